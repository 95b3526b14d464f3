/* loop.c: (being written) */
#include "config.h"
#include "loop.h"
extern int loop_placeholder;
int loop_placeholder;
