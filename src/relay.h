/* relay.h: (being written) */
#ifndef SC_RELAY_H
#define SC_RELAY_H
#endif
