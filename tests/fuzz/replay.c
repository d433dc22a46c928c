/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Runs a libFuzzer entry point over a corpus without libFuzzer, so the
 * target is exercised by `meson test` on any compiler:
 *   replay [--mutate] FILE|DIR...
 * With --mutate every input is also replayed truncated at every length and
 * with each byte flipped (all bits, then the low bit), which is where a
 * walker of lengths breaks. Exits 0 when every input ran, 1 on a read error
 * (a disagreement aborts inside the target).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t runs;

static void run_one(const unsigned char *data, size_t len)
{
    /* A private copy of the exact size, so ASan sees any read past the end. */
    unsigned char *copy = malloc(len ? len : 1);

    if (copy == NULL) {
        perror("replay");
        exit(1);
    }
    memcpy(copy, data, len);
    LLVMFuzzerTestOneInput(copy, len);
    free(copy);
    runs++;
}

static void run_mutations(const unsigned char *data, size_t len)
{
    unsigned char *m = malloc(len ? len : 1);

    if (m == NULL) {
        perror("replay");
        exit(1);
    }
    for (size_t i = 0; i < len; i++)
        run_one(data, i);
    for (size_t i = 0; i < len; i++) {
        static const unsigned char flips[] = { 0xff, 0x01 };

        for (size_t f = 0; f < sizeof(flips); f++) {
            memcpy(m, data, len);
            m[i] ^= flips[f];
            run_one(m, len);
        }
    }
    free(m);
}

static int run_file(const char *path, int mutate)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0, n;

    if (f == NULL) {
        perror(path);
        return 0;
    }
    do {
        if (len == cap) {
            unsigned char *grown = realloc(buf, cap = cap ? cap * 2 : 4096);

            if (grown == NULL) {
                free(buf);
                fclose(f);
                return 0;
            }
            buf = grown;
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
    } while (n > 0);
    fclose(f);
    run_one(buf, len);
    if (mutate)
        run_mutations(buf, len);
    free(buf);
    return 1;
}

static int run_path(const char *path, int mutate)
{
    struct stat st;
    DIR *d;
    struct dirent *de;
    int ok = 1;

    if (stat(path, &st) != 0) {
        perror(path);
        return 0;
    }
    if (!S_ISDIR(st.st_mode))
        return run_file(path, mutate);
    if ((d = opendir(path)) == NULL) {
        perror(path);
        return 0;
    }
    while ((de = readdir(d)) != NULL) {
        char child[4096];

        if (de->d_name[0] == '.')
            continue;
        snprintf(child, sizeof(child), "%s/%s", path, de->d_name);
        if (stat(child, &st) == 0 && S_ISREG(st.st_mode))
            ok &= run_file(child, mutate);
    }
    closedir(d);
    return ok;
}

int main(int argc, char **argv)
{
    int mutate = 0, ok = 1, i = 1;

    if (argc > 1 && strcmp(argv[1], "--mutate") == 0) {
        mutate = 1;
        i++;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: replay [--mutate] FILE|DIR...\n");
        return 2;
    }
    for (; i < argc; i++)
        ok &= run_path(argv[i], mutate);
    printf("replay: %zu inputs\n", runs);
    if (runs == 0) {
        fprintf(stderr, "replay: no inputs found: nothing was tested\n");
        return 1;
    }
    return ok ? 0 : 1;
}
