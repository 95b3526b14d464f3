/* loop.h: (being written) */
#ifndef SC_LOOP_H
#define SC_LOOP_H
#endif
