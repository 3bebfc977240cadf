/* descent C ABI — everything a plugin or host needs. Plain C11. */
#ifndef DESCENT_ABI_DESCENT_H
#define DESCENT_ABI_DESCENT_H

#include "descriptor.h"
#include "entry.h"
#include "hparam.h"
#include "loss.h"
#include "model.h"
#include "optimizer.h"
#include "state.h"
#include "status.h"
#include "version.h"

#endif
