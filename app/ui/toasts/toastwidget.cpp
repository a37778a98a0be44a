#include "app/ui/toasts/toastwidget.h"
#include "app/ui/theme.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QProgressBar>
#include <QToolButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace crewdeck::ui {

ToastWidget::ToastWidget(QWidget *parent) : QFrame(parent)
{
    setObjectName(u"toast"_s);
    setAttribute(Qt::WA_Hover);
    setCursor(Qt::PointingHandCursor);
    const int em = fontMetrics().height();
    auto *h = new QHBoxLayout(this);
    h->setContentsMargins(em * 3 / 4 + 4, em / 2, em / 3, em / 2);
    h->setSpacing(em / 3);
    m_icon = new QLabel(this);
    m_icon->setObjectName(u"toastIcon"_s);
    m_icon->setFixedSize(em * 5 / 4, em * 5 / 4);
    h->addWidget(m_icon, 0, Qt::AlignTop);
    auto *v = new QVBoxLayout;
    v->setSpacing(2);
    m_title = new QLabel(this);
    m_title->setObjectName(u"toastTitle"_s);
    m_title->setTextFormat(Qt::PlainText);
    QFont tf = m_title->font();
    tf.setWeight(QFont::DemiBold);
    m_title->setFont(tf);
    m_detail = new QLabel(this);
    m_detail->setObjectName(u"toastDetail"_s);
    m_detail->setTextFormat(Qt::PlainText);
    m_detail->setForegroundRole(QPalette::PlaceholderText);
    m_bar = new QProgressBar(this);
    m_bar->setObjectName(u"toastProgress"_s);
    m_bar->setRange(0, 100);
    m_bar->setTextVisible(false);
    m_bar->setFixedHeight(qMax(4, em / 3));
    m_bar->hide();
    v->addWidget(m_title);
    v->addWidget(m_detail);
    v->addWidget(m_bar);
    h->addLayout(v, 1);
    m_close = new QToolButton(this);
    m_close->setObjectName(u"toastClose"_s);
    m_close->setText(u"\u00d7"_s);
    m_close->setAutoRaise(true);
    m_close->setToolTip(tr("Dismiss"));
    h->addWidget(m_close, 0, Qt::AlignTop);
    connect(m_close, &QToolButton::clicked, this, &ToastWidget::closeClicked);
    setFixedWidth(em * 21);
}

void ToastWidget::setContent(const QString &iconName, const QString &title, const QString &detail,
                             const QColor &accent, int progress, bool showProgress)
{
    if (m_iconName != iconName) {
        m_iconName = iconName;
        m_icon->setPixmap(icon(iconName).pixmap(m_icon->size(), devicePixelRatioF()));
    }
    if (m_title->text() != title)
        m_title->setText(title);
    if (m_fullDetail != detail) {
        m_fullDetail = detail;
        const QString oneLine = detail.section(u'\n', -1).simplified();
        m_detail->setText(m_detail->fontMetrics().elidedText(oneLine, Qt::ElideRight,
                                                             width() - fontMetrics().height() * 3));
        m_detail->setToolTip(detail);
    }
    if (m_accent != accent) {
        m_accent = accent;
        update();
    }
    m_bar->setVisible(showProgress);
    if (showProgress && m_bar->value() != progress)
        m_bar->setValue(qBound(0, progress, 100));
}

QString ToastWidget::title() const
{
    return m_title->text();
}
QString ToastWidget::detail() const
{
    return m_fullDetail;
}
int ToastWidget::progressValue() const
{
    return m_bar->value();
}
bool ToastWidget::progressShown() const
{
    return !m_bar->isHidden();
}

QSize ToastWidget::sizeHint() const
{
    return QSize(width(), QFrame::sizeHint().height());
}

void ToastWidget::paintEvent(QPaintEvent *event)
{
    Q_UNUSED(event)
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QRectF r = QRectF(rect()).adjusted(0.5, 0.5, -0.5, -0.5);
    QPainterPath path;
    path.addRoundedRect(r, 6, 6);
    p.fillPath(path, palette().color(QPalette::Base));
    p.setPen(QPen(palette().color(QPalette::Mid), 1));
    p.drawPath(path);
    p.setClipPath(path);
    p.fillRect(QRectF(0, 0, 5, height()),
               m_accent.isValid() ? m_accent : palette().color(QPalette::Highlight));
}

void ToastWidget::mouseReleaseEvent(QMouseEvent *event)
{
    if (event->button() == Qt::LeftButton && rect().contains(event->position().toPoint()))
        Q_EMIT clicked();
    QFrame::mouseReleaseEvent(event);
}

void ToastWidget::enterEvent(QEnterEvent *event)
{
    Q_EMIT hoverChanged(true);
    QFrame::enterEvent(event);
}

void ToastWidget::leaveEvent(QEvent *event)
{
    Q_EMIT hoverChanged(false);
    QFrame::leaveEvent(event);
}

} // namespace crewdeck::ui
