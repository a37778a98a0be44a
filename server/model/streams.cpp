#include "server/model/streams.h"
// EventSource's meta-object is generated for this translation unit (AUTOMOC).
#include "server/model/runscheduler.h"
