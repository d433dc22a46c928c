/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for input sniffing and every format reader behind it
 * (PEM, DER, PKCS#7, PKCS#12, plain and encrypted keys, archives):
 * whatever the bytes, reading them ends with a result (a certificate or a
 * key read, or a note saying why nothing was kept) or an error in the
 * diag, asserted (fuzz_outcome.h), never a
 * crash, a read out of bounds or a leak (build with -fsanitize=fuzzer,
 * address). A passphrase is available, so encrypted inputs are decrypted
 * too (under the iteration limit). tests/fuzz/replay.c runs it over a
 * corpus in the normal test suite.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cwms/diag.h"
#include "cwms/inputs.h"
#include "cwms/pass.h"
#include "fuzz_outcome.h"
#include "fuzz_pass.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    CWMS_INPUTS *in = cwms_inputs_new();
    CWMS_DIAG *diag = cwms_diag_new();
    CWMS_PASS *pass = cwms_pass_new(fuzz_pass_secret, NULL);
    CWMS_READ_CTX rctx;

    memset(&rctx, 0, sizeof(rctx));
    rctx.pass = pass;
    if (in != NULL && diag != NULL && pass != NULL) {
        int ok = cwms_inputs_add_buffer(in, data, size, "fuzz", &rctx, diag);

        /* A reader that keeps nothing says why (a note: "holds no certificates"). */
        fuzz_expect_outcome(ok,
                            cwms_inputs_cert_count(in) + cwms_inputs_key_count(in) > 0
                                || cwms_diag_count(diag) > 0,
                            diag);
    }
    cwms_pass_free(pass);
    cwms_diag_free(diag);
    cwms_inputs_free(in);
    return 0;
}
