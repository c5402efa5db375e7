/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Runs files through a libFuzzer entry point without libFuzzer (gcc builds, CI regression). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "shared/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char *argv[])
{
        for (int i = 1; i < argc; i++) {
                struct strbuf b = {};
                char buf[4096];
                size_t n;
                FILE *f = fopen(argv[i], "re");

                if (!f) {
                        perror(argv[i]);
                        return EXIT_FAILURE;
                }
                while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
                        strbuf_put(&b, buf, n);
                fclose(f);
                if (b.oom)
                        return EXIT_FAILURE;
                LLVMFuzzerTestOneInput((const uint8_t *) (b.data ?: ""), b.len);
                strbuf_free(&b);
        }
        printf("%d inputs ran\n", argc - 1);
        return EXIT_SUCCESS;
}
