#include "app/ui/graph/graphpage.h"
#include "app/models/crewsmodel.h"
#include "app/models/recentrunsmodel.h"
#include "app/models/toolactivitymodel.h"
#include "app/net/livesocket.h"
#include "app/net/livestreams.h"
#include "app/ui/graph/graphscene.h"
#include "app/ui/graph/graphview.h"
#include "app/ui/liveindicator.h"
#include "app/ui/theme.h"
#include "shared/logging.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QPixmap>
#include <QStackedWidget>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;
using namespace crewdeck::client;

namespace crewdeck::ui {

GraphPage::GraphPage(LiveStreams *streams, CrewsModel *crews, RecentRunsModel *recentRuns,
                     QWidget *parent)
    : QWidget(parent), m_streams(streams), m_crews(crews), m_recent(recentRuns),
      m_scene(new GraphScene(this))
{
    setObjectName(u"graphPage"_s);
    const int em = fontMetrics().height();
    auto *v = new QVBoxLayout(this);
    v->setContentsMargins(em, em / 2, em, em);

    auto *bar = new QHBoxLayout;
    auto *crewLabel = new QLabel(tr("&Crew:"), this);
    m_combo = new QComboBox(this);
    m_combo->setObjectName(u"graphCrewCombo"_s);
    m_combo->setMinimumContentsLength(18);
    m_combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    crewLabel->setBuddy(m_combo);
    m_status = new QLabel(this);
    m_status->setObjectName(u"graphCrewStatus"_s);
    bar->addWidget(crewLabel);
    bar->addWidget(m_combo);
    bar->addWidget(m_status);
    bar->addStretch(1);
    m_indicator = new LiveIndicator(this);
    m_indicator->setObjectName(u"graphLiveIndicator"_s);
    bar->addWidget(m_indicator);

    auto makeButton = [this](const QString &name, const QString &text, const QString &tip) {
        auto *b = new QToolButton(this);
        b->setObjectName(name);
        b->setText(text);
        b->setToolTip(tip);
        b->setAutoRaise(true);
        return b;
    };
    auto *zoomOut = makeButton(u"graphZoomOut"_s, u"\u2212"_s, tr("Zoom out (-)"));
    auto *zoomIn = makeButton(u"graphZoomIn"_s, u"+"_s, tr("Zoom in (+)"));
    auto *fit = makeButton(u"graphFit"_s, tr("Fit"), tr("Fit the whole graph into view (0)"));
    bar->addWidget(zoomOut);
    bar->addWidget(zoomIn);
    bar->addWidget(fit);
    v->addLayout(bar);

    m_stack = new QStackedWidget(this);
    m_view = new GraphView(m_stack);
    m_view->setObjectName(u"graphView"_s);
    m_view->setScene(m_scene);
    m_empty =
        new QLabel(tr("No crews yet. Create a crew to see its agents and tools here."), m_stack);
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setWordWrap(true);
    m_stack->addWidget(m_view);
    m_stack->addWidget(m_empty);
    v->addWidget(m_stack, 1);

    connect(zoomIn, &QToolButton::clicked, m_view, &GraphView::zoomIn);
    connect(zoomOut, &QToolButton::clicked, m_view, &GraphView::zoomOut);
    connect(fit, &QToolButton::clicked, m_view, &GraphView::fitToView);
    connect(m_combo, &QComboBox::currentIndexChanged, this, &GraphPage::onComboChanged);

    // Every held crew's calls pass through the model; the scene ignores other crews'.
    connect(m_streams->toolActivity(), &ToolActivityModel::callUpdated, m_scene,
            &GraphScene::applyCall);

    connect(m_crews, &QAbstractItemModel::modelReset, this, &GraphPage::reloadCrews);
    connect(m_crews, &QAbstractItemModel::rowsInserted, this, &GraphPage::reloadCrews);
    connect(m_crews, &QAbstractItemModel::rowsRemoved, this, &GraphPage::reloadCrews);
    connect(m_crews, &QAbstractItemModel::dataChanged, this, &GraphPage::reloadCrews);
    reloadCrews();
}

GraphPage::~GraphPage()
{
    if (m_streams && !m_heldCrewId.isEmpty())
        m_streams->releaseGraph(m_heldCrewId);
}

LiveSocket *GraphPage::socket() const
{
    return m_heldCrewId.isEmpty() ? nullptr : m_streams->graphSocket(m_heldCrewId);
}

QString GraphPage::signatureOf(const Crew &crew)
{
    QString s = crew.name;
    for (const Agent &a : crew.agents)
        s += u'|' + a.id + u':' + a.name + u':' + a.tools.join(u',');
    return s;
}

void GraphPage::reloadCrews()
{
    const QString keep = currentCrewId();
    m_reloading = true;
    m_combo->clear();
    for (const Crew &c : m_crews->crews())
        m_combo->addItem(crewStatusDot(m_crews->statusOf(c.id)), c.name, c.id);
    int idx = keep.isEmpty() ? -1 : m_combo->findData(keep);
    if (idx < 0 && m_combo->count() > 0)
        idx = 0;
    m_combo->setCurrentIndex(idx);
    m_reloading = false;
    m_stack->setCurrentWidget(m_combo->count() > 0 ? static_cast<QWidget *>(m_view) : m_empty);
    onComboChanged(idx);
}

QString GraphPage::currentCrewId() const
{
    return m_combo->currentData().toString();
}

bool GraphPage::selectCrew(const QString &crewId)
{
    const int idx = m_combo->findData(crewId);
    if (idx < 0)
        return false;
    m_combo->setCurrentIndex(idx);
    return true;
}

void GraphPage::onComboChanged(int index)
{
    if (m_reloading)
        return;
    const QString id = index >= 0 ? m_combo->itemData(index).toString() : QString();
    for (const Crew &c : m_crews->crews()) {
        if (c.id == id) {
            showCrew(c);
            updateStatus();
            return;
        }
    }
    showCrew(Crew{});
    updateStatus();
}

void GraphPage::showCrew(const Crew &crew)
{
    const QString sig = signatureOf(crew);
    if (crew.id == m_shownCrewId && sig == m_shownSignature) {
        m_scene->setCrewStatus(m_crews->statusOf(crew.id));
        return; // same graph: keep the live highlights
    }
    const bool newCrew = crew.id != m_shownCrewId;
    m_shownSignature = sig;
    m_scene->setCrew(crew);
    if (!crew.id.isEmpty()) {
        m_scene->setCrewStatus(m_crews->statusOf(crew.id));
        // Calls of this crew already under way (its stream is held for the runs list too).
        const ToolActivityModel *activity = m_streams->toolActivity();
        for (int row = 0; row < activity->rowCount(); ++row) {
            const QString id =
                activity->index(row).data(ToolActivityModel::ToolCallIdRole).toString();
            if (const ToolActivityModel::Call *c = activity->call(id); c && c->crewId == crew.id)
                m_scene->applyCall(*c);
        }
    }
    QTimer::singleShot(0, m_view, &GraphView::fitToView);
    m_view->fitToView();
    if (!newCrew)
        return;
    m_shownCrewId = crew.id;
    // Acquire before releasing: a crew the runs list follows keeps its one socket.
    const QString previous = std::exchange(m_heldCrewId, crew.id);
    if (!crew.id.isEmpty())
        m_streams->acquireGraph(crew.id);
    if (!previous.isEmpty())
        m_streams->releaseGraph(previous);
    m_indicator->setSocket(socket());
    if (crew.id.isEmpty())
        return;
    Q_EMIT crewChanged(crew.id);
}

void GraphPage::updateStatus()
{
    const QString id = currentCrewId();
    if (id.isEmpty()) {
        m_status->clear();
        return;
    }
    const QString st = m_crews->statusOf(id);
    m_status->setText(u"<span style=\"color:%1\">\u25cf</span> %2"_s.arg(
        crewStatusColor(st).name(), crewStatusText(st).toHtmlEscaped()));
}

QString GraphPage::busiestCrewId() const
{
    QHash<QString, int> counts;
    if (m_recent) {
        for (const Run &r : m_recent->runs())
            ++counts[r.crewId];
    }
    QString best;
    int bestCount = 0;
    for (const Crew &c : m_crews->crews()) {
        const int n = counts.value(c.id);
        const bool busy = m_crews->statusOf(c.id) == CrewStatus::Busy;
        const bool bestBusy = !best.isEmpty() && m_crews->statusOf(best) == CrewStatus::Busy;
        if (best.isEmpty() || n > bestCount || (n == bestCount && busy && !bestBusy)) {
            best = c.id;
            bestCount = n;
        }
    }
    return best;
}

void GraphPage::whenToolEventApplied(int timeoutMs, QObject *context,
                                     std::function<void(bool)> done)
{
    auto finished = std::make_shared<bool>(false);
    auto conn = std::make_shared<QMetaObject::Connection>();
    auto fire = [finished, conn, done](bool applied) {
        if (*finished)
            return;
        *finished = true;
        QObject::disconnect(*conn);
        done(applied);
    };
    *conn = connect(m_scene, &GraphScene::toolActivity, context, [fire] { fire(true); });
    QTimer::singleShot(timeoutMs, context, [fire] { fire(false); });
}

} // namespace crewdeck::ui
