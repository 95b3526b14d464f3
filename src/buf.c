/* buf.c: (being written) */
#include "config.h"
#include "buf.h"
extern int buf_placeholder;
int buf_placeholder;
