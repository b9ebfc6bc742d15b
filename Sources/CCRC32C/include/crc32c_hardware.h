#ifndef NAGARE_CRC32C_HARDWARE_H
#define NAGARE_CRC32C_HARDWARE_H

#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU has the CRC-32C instruction that `nagare_crc32c_hardware_update` uses
/// (x86-64 SSE4.2 `crc32`, or AArch64's CRC extension), else 0.
int nagare_crc32c_hardware_available(void);

/// Feeds `length` bytes into a reflected CRC-32C register `state` and returns the new register
/// (no initial or final inversion: the caller does those). Only call when available.
uint32_t nagare_crc32c_hardware_update(uint32_t state, const void *data, size_t length);

#endif
