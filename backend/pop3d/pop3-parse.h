#ifndef MH_POP3_PARSE_H
#define MH_POP3_PARSE_H
/*
 * pop3-parse.h - POP3 command lines (RFC 1939, 2449, 5034).
 */

#endif
