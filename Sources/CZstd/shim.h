// Zstandard for Swift: the store compresses raw alert payloads with it.
#include <zstd.h>
