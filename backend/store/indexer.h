#ifndef MH_INDEXER_H
#define MH_INDEXER_H
/*
 * indexer.h - the indexer service of mailhived: full-text vectors.
 *
 * Delivery makes a message_fts row with fts NULL; the indexer picks up
 * such messages (newest first, a batch at a time), reads their text from
 * the blob with mime-meta, and fills messages.fts. A blob read once serves
 * every row that shares it. Searching BODY/TEXT (message_fts.fts) sees a
 * message within a second or so of its delivery.
 */

#include <stdint.h>

#define INDEXER_BATCH 50

/* indexer_run_once - index up to a batch; the number of rows done, -1 on
 * a database error */
int indexer_run_once(void);
/* indexer_catch_up - index every pending message of one mailbox now (a
 * BODY/TEXT search must see mail delivered a moment ago); rows done, -1
 * on a database error */
int indexer_catch_up(int64_t mailbox_id);
void indexer_main(void) __attribute__((noreturn));

#endif
