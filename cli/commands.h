/* SPDX-License-Identifier: Apache-2.0 */
/* The subcommands of cwms-bundle: one file each, dispatched from main.c. */
#ifndef CWMS_CLI_COMMANDS_H
#define CWMS_CLI_COMMANDS_H

#include "opt_table.h"

/* Each returns the process exit code (CWMS_EXIT_*); argv[0] is the subcommand name. */
int cmd_build(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_tokens(int argc, char **argv);
int cmd_request(int argc, char **argv);

/* Each command's help and option table, kept beside its code. */
extern const CLI_COMMAND_HELP cli_build_help;
extern const CLI_COMMAND_HELP cli_check_help;
extern const CLI_COMMAND_HELP cli_tokens_help;
extern const CLI_COMMAND_HELP cli_request_help;

/* Every command's help, in the order of cwms-bundle --help; NULL after the last. */
extern const CLI_COMMAND_HELP *const cli_command_helps[];

#endif
