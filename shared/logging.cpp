#include "shared/logging.h"

Q_LOGGING_CATEGORY(lcProtocol, "crewdeck.protocol")
Q_LOGGING_CATEGORY(lcHttp, "crewdeck.http")
Q_LOGGING_CATEGORY(lcWs, "crewdeck.ws")
Q_LOGGING_CATEGORY(lcStore, "crewdeck.store")
Q_LOGGING_CATEGORY(lcRuns, "crewdeck.runs")
Q_LOGGING_CATEGORY(lcEvents, "crewdeck.events")
Q_LOGGING_CATEGORY(lcAuth, "crewdeck.auth")
Q_LOGGING_CATEGORY(lcDemo, "crewdeck.demo")
Q_LOGGING_CATEGORY(lcRedis, "crewdeck.redis")
Q_LOGGING_CATEGORY(lcClient, "crewdeck.client")
Q_LOGGING_CATEGORY(lcUi, "crewdeck.ui")
