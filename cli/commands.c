/* SPDX-License-Identifier: Apache-2.0 */
/* The list of every command's help: see commands.h. */
#include "commands.h"

#include <stddef.h>

const CLI_COMMAND_HELP *const cli_command_helps[] = {
    &cli_build_help, &cli_request_help, &cli_check_help, &cli_tokens_help, NULL,
};
