/* SPDX-License-Identifier: Apache-2.0 */
/* The subcommands of cwms-bundle: one file each, dispatched from main.c. */
#ifndef CWMS_CLI_COMMANDS_H
#define CWMS_CLI_COMMANDS_H

/* Each returns the process exit code (CWMS_EXIT_*); argv[0] is the subcommand name. */
int cmd_build(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_tokens(int argc, char **argv);
int cmd_request(int argc, char **argv);

#endif
