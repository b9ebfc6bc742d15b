#ifndef NAGARE_ALLOCATOR_TUNING_H
#define NAGARE_ALLOCATOR_TUNING_H

#include <stddef.h>

/// Sets glibc malloc's trim and mmap thresholds (`mallopt` `M_TRIM_THRESHOLD`,
/// `M_MMAP_THRESHOLD`). Returns 1 when both were accepted, 0 otherwise (another C library, or a
/// value glibc refuses).
int nagare_allocator_set_thresholds(size_t trim_threshold, size_t mmap_threshold);

#endif
