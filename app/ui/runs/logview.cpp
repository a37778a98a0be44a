#include "app/ui/runs/logview.h"

#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QToolButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace crewdeck::ui {

LogView::LogView(QWidget *parent) : QWidget(parent)
{
    auto *v = new QVBoxLayout(this);
    v->setContentsMargins(0, 0, 0, 0);
    auto *h = new QHBoxLayout;
    m_title = new QLabel(this);
    m_title->setObjectName(u"logTitle"_s);
    QFont tf = m_title->font();
    tf.setWeight(QFont::DemiBold);
    m_title->setFont(tf);
    m_follow = new QToolButton(this);
    m_follow->setObjectName(u"followButton"_s);
    m_follow->setCheckable(true);
    m_follow->setChecked(true);
    m_follow->setText(tr("Follow"));
    m_follow->setToolTip(tr("Keep the newest output in view. Scrolling up pauses it."));
    m_follow->setToolButtonStyle(Qt::ToolButtonTextOnly);
    h->addWidget(m_title, 1);
    h->addWidget(m_follow);
    v->addLayout(h);

    m_edit = new QPlainTextEdit(this);
    m_edit->setObjectName(u"logEdit"_s);
    m_edit->setReadOnly(true);
    m_edit->setMaximumBlockCount(MaxBlocks);
    m_edit->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_edit->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_edit->setPlaceholderText(tr("No output yet."));
    v->addWidget(m_edit, 1);

    connect(m_follow, &QToolButton::toggled, this, &LogView::setFollowing);
    // The user's scrolling decides: away from the bottom pauses, back at the bottom resumes.
    connect(m_edit->verticalScrollBar(), &QScrollBar::valueChanged, this, [this](int value) {
        if (m_programmatic)
            return;
        setFollowing(value >= m_edit->verticalScrollBar()->maximum());
    });
    // New lines push the maximum: stay at the bottom while following.
    connect(m_edit->verticalScrollBar(), &QScrollBar::rangeChanged, this, [this] {
        if (m_following)
            scrollToBottom();
    });
}

void LogView::setTitle(const QString &title)
{
    m_title->setText(title);
}

void LogView::setText(const QString &text)
{
    m_programmatic = true;
    m_edit->setPlainText(text);
    m_programmatic = false;
    setFollowing(true);
    scrollToBottom();
}

void LogView::appendText(const QString &text)
{
    m_programmatic = true;
    const int keep = m_edit->verticalScrollBar()->value();
    m_edit->appendPlainText(text);
    if (m_following)
        m_edit->verticalScrollBar()->setValue(m_edit->verticalScrollBar()->maximum());
    else
        m_edit->verticalScrollBar()->setValue(keep);
    m_programmatic = false;
}

void LogView::clear()
{
    m_programmatic = true;
    m_edit->clear();
    m_programmatic = false;
}

QString LogView::text() const
{
    return m_edit->toPlainText();
}

void LogView::setFollowing(bool follow)
{
    if (m_following != follow) {
        m_following = follow;
        Q_EMIT followingChanged(follow);
    }
    if (m_follow->isChecked() != follow) {
        const QSignalBlocker block(m_follow);
        m_follow->setChecked(follow);
    }
    m_follow->setText(follow ? tr("Following") : tr("Follow"));
    if (follow)
        scrollToBottom();
}

void LogView::scrollToBottom()
{
    m_programmatic = true;
    m_edit->verticalScrollBar()->setValue(m_edit->verticalScrollBar()->maximum());
    m_programmatic = false;
}

} // namespace crewdeck::ui
