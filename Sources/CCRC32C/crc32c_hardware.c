#include "crc32c_hardware.h"

#include <string.h>

#if defined(__x86_64__)
#include <nmmintrin.h>

int nagare_crc32c_hardware_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2") ? 1 : 0;
}

__attribute__((target("sse4.2")))
uint32_t nagare_crc32c_hardware_update(uint32_t state, const void *data, size_t length) {
    const unsigned char *p = (const unsigned char *)data;
    uint64_t register64 = state;
    while (length >= 8) {
        uint64_t word;
        memcpy(&word, p, sizeof word);
        register64 = _mm_crc32_u64(register64, word);
        p += 8;
        length -= 8;
    }
    uint32_t register32 = (uint32_t)register64;
    while (length > 0) {
        register32 = _mm_crc32_u8(register32, *p);
        p += 1;
        length -= 1;
    }
    return register32;
}

#elif defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#include <asm/hwcap.h>

int nagare_crc32c_hardware_available(void) {
    return (getauxval(AT_HWCAP) & HWCAP_CRC32) ? 1 : 0;
}

__attribute__((target("crc")))
uint32_t nagare_crc32c_hardware_update(uint32_t state, const void *data, size_t length) {
    const unsigned char *p = (const unsigned char *)data;
    while (length >= 8) {
        uint64_t word;
        memcpy(&word, p, sizeof word);
        state = __builtin_arm_crc32cd(state, word);
        p += 8;
        length -= 8;
    }
    while (length > 0) {
        state = __builtin_arm_crc32cb(state, *p);
        p += 1;
        length -= 1;
    }
    return state;
}

#else

int nagare_crc32c_hardware_available(void) { return 0; }

uint32_t nagare_crc32c_hardware_update(uint32_t state, const void *data, size_t length) {
    (void)data;
    (void)length;
    return state;
}

#endif
