/*
 * pop3-parse.c - POP3 command lines (see pop3-parse.h).
 */
#include "config.h"

#include "pop3-parse.h"
