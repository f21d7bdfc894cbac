// libFuzzer's driver, for harnesses whose `main` SwiftPM renames: on Linux an executable
// target's entry point is linked as `<Module>_main` (main=<Module>_main), so each harness
// defines that symbol and hands its callback to libFuzzer here.
#pragma once
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv,
                        int (*callback)(const uint8_t *data, size_t size));
