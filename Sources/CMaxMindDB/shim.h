// libmaxminddb for Swift: GeoIP2/GeoLite2 City and ASN lookups from MMDB files. MMDB_get_value is
// variadic; Swift calls MMDB_aget_value (the same lookup with a NULL-terminated path array) instead.
#include <maxminddb.h>
