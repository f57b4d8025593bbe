/*
 * imap-mime.c - MIME structure for IMAP (see imap-mime.h).
 */
#include "config.h"

#include "buf.h"
#include "imap-mime.h"
#include "pool.h"
