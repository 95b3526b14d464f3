/* buf.h: (being written) */
#ifndef SC_BUF_H
#define SC_BUF_H
#endif
