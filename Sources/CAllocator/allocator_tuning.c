#include "allocator_tuning.h"

// <limits.h> first: through <features.h> it defines __GLIBC__ on glibc systems.
#include <limits.h>

#if defined(__GLIBC__)
#include <malloc.h>

int nagare_allocator_set_thresholds(size_t trim_threshold, size_t mmap_threshold) {
    if (trim_threshold > INT_MAX || mmap_threshold > INT_MAX) return 0;
    int trim = mallopt(M_TRIM_THRESHOLD, (int)trim_threshold);
    int mmap = mallopt(M_MMAP_THRESHOLD, (int)mmap_threshold);
    return trim == 1 && mmap == 1;
}
#else
int nagare_allocator_set_thresholds(size_t trim_threshold, size_t mmap_threshold) {
    (void)trim_threshold;
    (void)mmap_threshold;
    return 0;
}
#endif
