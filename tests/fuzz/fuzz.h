/* The libFuzzer entry point, declared for -Wmissing-prototypes. */
#ifndef IAMPW_FUZZ_H
#define IAMPW_FUZZ_H
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
#endif
