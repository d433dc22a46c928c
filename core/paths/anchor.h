/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The anchor of the chosen path and the variants of its CAs (anchor.c;
 * the public side is cwms/anchor.h), made from the graph and the ranked
 * candidates the choice was made among, so every "why" is the ranking's
 * own.
 */
#ifndef CWMS_PATHS_ANCHOR_H
#define CWMS_PATHS_ANCHOR_H

#include <stddef.h>

#include "cwms/anchor.h"
#include "cwms/bundle.h"
#include "index/trust.h"
#include "paths/graph.h"
#include "paths/path.h"

/*
 * The anchor of chosen, which is cands[chosen_at] (cands ranked best
 * first, as cwms_rank_list made them; n_cands 0 when there were none).
 * trust_given: the store is the one the user named (--trust), not the
 * system's. NULL on allocation failure; free with cwms_anchor_info_free.
 */
CWMS_ANCHOR_INFO *cwms_anchor_describe(CWMS_GRAPH *g, CWMS_TRUST *trust, int trust_given,
                                       CWMS_PATH_CHOICE choice, const CWMS_PATH *chosen,
                                       const CWMS_PATH *cands, size_t n_cands, size_t chosen_at);
void cwms_anchor_info_free(CWMS_ANCHOR_INFO *anchor);

#endif
