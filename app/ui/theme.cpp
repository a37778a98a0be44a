#include "app/ui/theme.h"
#include "app/ui/strings.h"

#include "shared/types.h"
#include <QApplication>
#include <QFile>
#include <QPainter>
#include <QPalette>
#include <QPixmap>
#include <QStyle>
#include <QStyleFactory>
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

QIcon icon(const QString &name)
{
    const QString file = u":/icons/"_s + name + u".svg"_s;
    // Selected (the sidebar's current entry, drawn on the highlight colour): the style's own
    // "selected" rendering tints the SVG with the highlight until it is a blot, and the grey
    // stroke alone is hard to see on it. The same drawing with the neutral greys swapped for
    // the palette's HighlightedText stays readable on any highlight (light and dark themes).
    // QSvgIconEngine keeps one added pixmap per mode, so the icon is built from pixmaps.
    QFile f(file);
    const QByteArray svg = f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    QByteArray selected = svg;
    const QByteArray text =
        QApplication::palette().color(QPalette::HighlightedText).name().toLatin1();
    for (const QByteArray &grey : {QByteArrayLiteral("#5b6472"), QByteArrayLiteral("#6b7280")})
        selected.replace(grey, text);
    if (selected == svg) {
        QIcon ic(file); // coloured icons keep their colours in every mode
        ic.addFile(file, {}, QIcon::Selected, QIcon::Off);
        ic.addFile(file, {}, QIcon::Active, QIcon::Off);
        return ic;
    }
    QSvgRenderer normalSvg(svg), selectedSvg(selected);
    QIcon ic;
    for (const int px : {16, 20, 24, 32, 40, 48, 64}) {
        for (auto [renderer, mode] :
             {std::pair{&normalSvg, QIcon::Normal}, std::pair{&selectedSvg, QIcon::Selected}}) {
            QPixmap pm(px, px);
            pm.fill(Qt::transparent);
            QPainter p(&pm);
            renderer->render(&p);
            p.end();
            ic.addPixmap(pm, mode, QIcon::Off);
            if (mode == QIcon::Normal)
                ic.addPixmap(pm, QIcon::Active, QIcon::Off);
        }
    }
    return ic;
}

} // namespace crewdeck::ui

#ifdef CREWDECK_HAVE_DBUS
#include "theme.moc"
#endif
