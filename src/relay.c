/* relay.c: (being written) */
#include "config.h"
#include "relay.h"
extern int relay_placeholder;
int relay_placeholder;
