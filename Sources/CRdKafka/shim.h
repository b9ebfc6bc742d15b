// The librdkafka C API as installed by Debian's librdkafka-dev.
// rdkafka_mock.h brings the in-process mock cluster used by unit tests.
#ifndef NAGARE_CRDKAFKA_SHIM_H
#define NAGARE_CRDKAFKA_SHIM_H
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#endif
