// argon2id password hashing (reference implementation).
#include <argon2.h>
