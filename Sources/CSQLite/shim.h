// SQLite for Swift; SQLITE_TRANSIENT is a cast macro Swift cannot import.
#include <sqlite3.h>
static inline sqlite3_destructor_type riposte_sqlite_transient(void) { return SQLITE_TRANSIENT; }
// sqlite3_config is variadic, which Swift cannot call. Memory statistics take a global mutex on
// every allocation; Riposte never reads them. Effective only before SQLite initialises.
static inline int riposte_sqlite_disable_memory_statistics(void) { return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }
