// Nothing to compile: the declaration in include/CFuzzer.h is defined by libFuzzer.
#include "CFuzzer.h"
