/*
 * cwms-bundle tokens: placeholder so the command table links. The PKCS#11
 * helper replaces this file with the real listing of tokens and objects.
 */
#include <stdio.h>

#include "commands.h"
#include "diag.h"

int cmd_tokens(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("cwms-bundle tokens: PKCS#11 support is not built yet\n", stderr);
    return CWMS_EXIT_TOKEN;
}
