#include "app/ui/theme.h"
#include "app/ui/strings.h"

#include "shared/types.h"
#include <QApplication>
#include <QFile>
#include <QHash>
#include <QIconEngine>
#include <QPainter>
#include <QPalette>
#include <QPixmap>
#include <QPixmapCache>
#include <QStyle>
#include <QStyleFactory>
#include <QStyleOption>
#include <QSvgRenderer>
#include <optional>
#ifdef CREWDECK_HAVE_DBUS
#include <QDBusConnection>
#include <QDBusMessage>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QDBusVariant>
#endif

using namespace Qt::StringLiterals;

namespace crewdeck::ui {

namespace StatusColors {
QColor available()
{
    return QColor(0x16, 0xa3, 0x4a);
}
QColor busy()
{
    return QColor(0xd9, 0x77, 0x06);
}
QColor offline()
{
    return QColor(0xdc, 0x26, 0x26);
}
QColor live()
{
    return available();
}
QColor warning()
{
    return busy();
}
QColor error()
{
    return offline();
}
} // namespace StatusColors

QIcon crewStatusDot(const QString &status)
{
    QPixmap pm(12, 12);
    pm.fill(Qt::transparent);
    QPainter p(&pm);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(Qt::NoPen);
    p.setBrush(crewStatusColor(status));
    p.drawEllipse(QRectF(1, 1, 10, 10));
    return QIcon(pm);
}

QColor crewStatusColor(const QString &status)
{
    if (status == CrewStatus::Available)
        return StatusColors::available();
    if (status == CrewStatus::Busy)
        return StatusColors::busy();
    return StatusColors::offline();
}

QString crewStatusText(const QString &status)
{
    if (status == CrewStatus::Available)
        return Strings::tr("Available");
    if (status == CrewStatus::Busy)
        return Strings::tr("Busy");
    return Strings::tr("Offline");
}

QColor runStatusColor(const QString &status)
{
    if (status == RunState::Succeeded)
        return StatusColors::available();
    if (status == RunState::Running || status == RunState::Queued)
        return StatusColors::busy();
    return StatusColors::offline();
}

QString runStatusText(const QString &status)
{
    if (status == RunState::Queued)
        return Strings::tr("Queued");
    if (status == RunState::Running)
        return Strings::tr("Running");
    if (status == RunState::Succeeded)
        return Strings::tr("Succeeded");
    if (status == RunState::Failed)
        return Strings::tr("Failed");
    if (status == RunState::Cancelled)
        return Strings::tr("Cancelled");
    return status;
}

static QPalette darkPalette()
{
    QPalette p;
    const QColor window(0x1f, 0x23, 0x2a), base(0x16, 0x19, 0x1e), text(0xe5, 0xe7, 0xeb);
    const QColor button(0x2a, 0x2f, 0x38), highlight(0x3b, 0x82, 0xf6), disabled(0x6b, 0x72, 0x80);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, window);
    p.setColor(QPalette::ToolTipBase, button);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, disabled);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, button);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, Qt::white);
    p.setColor(QPalette::Highlight, highlight);
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x60, 0xa5, 0xfa));
    p.setColor(QPalette::Light, QColor(0x37, 0x3d, 0x48));
    p.setColor(QPalette::Midlight, QColor(0x30, 0x35, 0x3f));
    p.setColor(QPalette::Mid, QColor(0x26, 0x2a, 0x32));
    p.setColor(QPalette::Dark, QColor(0x12, 0x14, 0x18));
    p.setColor(QPalette::Shadow, Qt::black);
    for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, role, disabled);
    return p;
}

static QPalette lightPalette()
{
    QPalette p = QApplication::style()->standardPalette(); // Fusion is set by then
    p.setColor(QPalette::Window, QColor(0xf3, 0xf4, 0xf6));
    p.setColor(QPalette::Base, Qt::white);
    p.setColor(QPalette::AlternateBase, QColor(0xf9, 0xfa, 0xfb));
    p.setColor(QPalette::Highlight, QColor(0x25, 0x63, 0xeb));
    return p;
}

namespace {

QString g_theme = u"system"_s;               // the setting last applied
ColorScheme g_portal = ColorScheme::Unknown; // the desktop portal's answer, once it came
ColorScheme g_applied = ColorScheme::Unknown;
std::optional<QPalette> g_platformPalette; // before the app set its own

#ifdef CREWDECK_HAVE_DBUS
// org.freedesktop.portal.Settings: color-scheme is 0 (no preference), 1 (dark), 2 (light).
ColorScheme portalValue(QVariant v)
{
    while (v.canConvert<QDBusVariant>() && v.userType() == qMetaTypeId<QDBusVariant>())
        v = v.value<QDBusVariant>().variant();
    switch (v.toUInt()) {
    case 1:
        return ColorScheme::Dark;
    case 2:
        return ColorScheme::Light;
    default:
        return ColorScheme::Unknown;
    }
}

void portalAnswered(ColorScheme scheme)
{
    if (scheme == g_portal)
        return;
    g_portal = scheme;
    if (g_theme == u"system"_s)
        applyTheme(g_theme);
}

// Receives the portal's SettingChanged signal (QtDBus needs a slot). GUI thread.
class PortalWatcher : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;
public Q_SLOTS:
    void settingChanged(const QString &ns, const QString &key, const QDBusVariant &value)
    {
        if (ns == u"org.freedesktop.appearance"_s && key == u"color-scheme"_s)
            portalAnswered(portalValue(value.variant()));
    }
};

void askPortal()
{
    static bool asked = false;
    if (asked)
        return;
    asked = true;
    QDBusConnection bus = QDBusConnection::sessionBus();
    if (!bus.isConnected())
        return; // headless, CI: the palette and GTK_THEME decide
    const QString service = u"org.freedesktop.portal.Desktop"_s;
    const QString path = u"/org/freedesktop/portal/desktop"_s;
    const QString iface = u"org.freedesktop.portal.Settings"_s;
    auto *watcher = new PortalWatcher(qApp);
    bus.connect(service, path, iface, u"SettingChanged"_s, watcher,
                SLOT(settingChanged(QString, QString, QDBusVariant)));
    QDBusMessage msg = QDBusMessage::createMethodCall(service, path, iface, u"Read"_s);
    msg << u"org.freedesktop.appearance"_s << u"color-scheme"_s;
    auto *call = new QDBusPendingCallWatcher(bus.asyncCall(msg, 2000), qApp);
    QObject::connect(call, &QDBusPendingCallWatcher::finished, qApp,
                     [](QDBusPendingCallWatcher *w) {
                         const QDBusPendingReply<QVariant> reply = *w;
                         if (reply.isValid())
                             portalAnswered(portalValue(reply.value()));
                         w->deleteLater();
                     });
}
#endif

} // namespace

ColorScheme paletteColorScheme(const QPalette &palette)
{
    const int window = palette.color(QPalette::Window).lightness();
    const int text = palette.color(QPalette::WindowText).lightness();
    if (window == text)
        return ColorScheme::Unknown;
    return window < text ? ColorScheme::Dark : ColorScheme::Light;
}

ColorScheme gtkThemeColorScheme(const QString &gtkTheme)
{
    const QString t = gtkTheme.trimmed().toLower();
    if (t.isEmpty())
        return ColorScheme::Unknown;
    return t.endsWith(u":dark"_s) || t.endsWith(u"-dark"_s) ? ColorScheme::Dark
                                                            : ColorScheme::Unknown;
}

ColorScheme systemColorScheme()
{
    if (g_portal != ColorScheme::Unknown)
        return g_portal;
    const ColorScheme gtk = gtkThemeColorScheme(qEnvironmentVariable("GTK_THEME"));
    if (gtk != ColorScheme::Unknown)
        return gtk;
    const QPalette p = g_platformPalette ? *g_platformPalette : QGuiApplication::palette();
    return paletteColorScheme(p);
}

void applyTheme(const QString &theme)
{
    auto *app = qobject_cast<QApplication *>(QCoreApplication::instance());
    if (!app)
        return;
    if (!g_platformPalette)
        g_platformPalette = QGuiApplication::palette();
    g_theme = theme;
#ifdef CREWDECK_HAVE_DBUS
    askPortal();
#endif
    if (QApplication::style()->name().compare(u"fusion"_s, Qt::CaseInsensitive) != 0)
        QApplication::setStyle(QStyleFactory::create(u"Fusion"_s));
    const bool dark =
        theme == u"dark"_s || (theme != u"light"_s && systemColorScheme() == ColorScheme::Dark);
    QApplication::setPalette(dark ? darkPalette() : lightPalette());
    g_applied = dark ? ColorScheme::Dark : ColorScheme::Light;
}

ColorScheme appliedColorScheme()
{
    return g_applied;
}

namespace {

// An SVG icon whose Selected mode is a recoloured copy of the drawing, rendered only at the
// sizes and modes something paints, each once (QPixmapCache). Before, icon() rendered 7
// sizes x 2 modes up front on every call: the dashboard's 12 cards (3 icons each) spent
// most of their construction time and several MB of pixmaps there (issue 17 item 6).
class TintedSvgIconEngine final : public QIconEngine
{
public:
    TintedSvgIconEngine(const QString &key, const QByteArray &normal, const QByteArray &selected)
        : m_key(key), m_normal(normal), m_selected(selected)
    {
    }
    QIconEngine *clone() const override { return new TintedSvgIconEngine(*this); }
    QString key() const override { return u"crewdeck-tinted-svg"_s; }
    QSize actualSize(const QSize &size, QIcon::Mode, QIcon::State) override { return size; }

    QPixmap pixmap(const QSize &size, QIcon::Mode mode, QIcon::State) override
    {
        if (size.isEmpty())
            return {};
        const QString cacheKey = u"crewdeck-icon:%1:%2x%3:%4"_s.arg(m_key)
                                     .arg(size.width())
                                     .arg(size.height())
                                     .arg(int(mode));
        QPixmap pm;
        if (QPixmapCache::find(cacheKey, &pm))
            return pm;
        pm = QPixmap(size);
        pm.fill(Qt::transparent);
        {
            QSvgRenderer renderer(mode == QIcon::Selected ? m_selected : m_normal);
            QPainter p(&pm);
            renderer.render(&p);
        }
        if (mode == QIcon::Disabled) {
            // The style's greyed look, as for any pixmap icon.
            QStyleOption opt(0);
            opt.palette = QGuiApplication::palette();
            pm = QApplication::style()->generatedIconPixmap(QIcon::Disabled, pm, &opt);
        }
        QPixmapCache::insert(cacheKey, pm);
        return pm;
    }

    void paint(QPainter *painter, const QRect &rect, QIcon::Mode mode, QIcon::State state) override
    {
        const qreal dpr = painter->device() ? painter->device()->devicePixelRatioF() : 1.0;
        QPixmap pm = pixmap(rect.size() * dpr, mode, state);
        pm.setDevicePixelRatio(dpr);
        painter->drawPixmap(rect, pm);
    }

private:
    QString m_key; // name + the highlight colour: the pixmap cache's key
    QByteArray m_normal, m_selected;
};

} // namespace

QIcon icon(const QString &name)
{
    // One QIcon per name and highlight colour (a theme change makes new ones): the
    // dashboard alone asks for ~40 icons of 8 names.
    static QHash<QString, QIcon> cache;
    const QString text = QApplication::palette().color(QPalette::HighlightedText).name();
    const QString key = name + u'|' + text;
    if (const auto it = cache.constFind(key); it != cache.cend())
        return *it;
    const QString file = u":/icons/"_s + name + u".svg"_s;
    // Selected (the sidebar's current entry, drawn on the highlight colour): the style's own
    // "selected" rendering tints the SVG with the highlight until it is a blot, and the grey
    // stroke alone is hard to see on it. The same drawing with the neutral greys swapped for
    // the palette's HighlightedText stays readable on any highlight (light and dark themes).
    QFile f(file);
    const QByteArray svg = f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    QByteArray selected = svg;
    for (const QByteArray &grey : {QByteArrayLiteral("#5b6472"), QByteArrayLiteral("#6b7280")})
        selected.replace(grey, text.toLatin1());
    QIcon ic;
    if (selected == svg) {
        ic = QIcon(file); // coloured icons keep their colours in every mode
        ic.addFile(file, {}, QIcon::Selected, QIcon::Off);
        ic.addFile(file, {}, QIcon::Active, QIcon::Off);
    } else {
        ic = QIcon(new TintedSvgIconEngine(key, svg, selected));
    }
    cache.insert(key, ic);
    return ic;
}

} // namespace crewdeck::ui

#ifdef CREWDECK_HAVE_DBUS
#include "theme.moc"
#endif
