// SQLite for Swift; SQLITE_TRANSIENT is a cast macro Swift cannot import.
#include <sqlite3.h>
static inline sqlite3_destructor_type riposte_sqlite_transient(void) { return SQLITE_TRANSIENT; }
