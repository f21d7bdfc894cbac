#pragma once
// glibc's malloc tuning and statistics (mallopt, malloc_trim, mallinfo2): not in Swift's Glibc.
#include <malloc.h>
