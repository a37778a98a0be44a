#pragma once
// What the GUI tests repeat: starting the app against the in-process test server, and opening
// the graph page on a crew. GUI thread.
#include "app/net/livesocket.h"
#include "app/ui/appcontroller.h"
#include "app/ui/graph/graphpage.h"
#include "app/ui/mainwindow.h"
#include "tests/support/testserver.h"

#include <QComboBox>
#include <QTest>
#include <functional>

namespace crewdeck::testsupport {

// Starts `ctl` logged in to `server` as email/password and waits (20 s) until `ready()`.
// `fastBackoff`: reconnect after 100-800 ms instead of the app's defaults.
inline bool startApp(ui::AppController &ctl, const TestServer &server, const QString &email,
                     const QString &password, const std::function<bool()> &ready,
                     bool fastBackoff = true)
{
    if (fastBackoff)
        ctl.setBackoff(100, 800);
    ui::LaunchOptions o;
    o.serverUrl = server.baseUrl().toString();
    o.email = email;
    o.password = password;
    ctl.start(o);
    return QTest::qWaitFor(ready, 20000);
}

// Shows the graph page, selects `crewId` once the crew list has it, and waits until the
// page's socket is Live; null if any step does not happen within 20 s.
inline ui::GraphPage *openGraph(ui::AppController &ctl, const QString &crewId)
{
    ui::GraphPage *page = ctl.graphPage();
    if (!page || !ctl.mainWindow()->showPage(QStringLiteral("graph")))
        return nullptr;
    if (!QTest::qWaitFor([&] { return page->crewCombo()->findData(crewId) >= 0; }, 20000))
        return nullptr;
    if (!page->selectCrew(crewId))
        return nullptr;
    if (!QTest::qWaitFor([&] { return page->socket()->state() == client::LiveSocket::State::Live; },
                         20000))
        return nullptr;
    return page;
}

} // namespace crewdeck::testsupport
