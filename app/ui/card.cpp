#include "app/ui/card.h"
#include "app/ui/iconview.h"
#include "app/ui/spinner.h"
#include "app/ui/theme.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStackedWidget>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;
using crewdeck::client::CardState;

namespace crewdeck::ui {

Card::Card(const QString &title, const QString &iconName, QWidget *parent) : QFrame(parent)
{
    setFrameShape(QFrame::StyledPanel);
    setAutoFillBackground(true);
    setBackgroundRole(QPalette::Base);
    // Preferred, not Maximum: a card fills its grid row, so wrapped error texts get the
    // height the row computed for them (heightForWidth) and neighbours line up.
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Preferred);
    const int em = fontMetrics().height();

    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(em, em * 3 / 4, em, em * 3 / 4);
    auto *head = new QHBoxLayout;
    if (!iconName.isEmpty())
        head->addWidget(new IconView(icon(iconName), 1.0, this));
    m_title = new QLabel(title, this);
    m_title->setObjectName(u"cardTitle"_s);
    QFont tf = m_title->font();
    tf.setWeight(QFont::DemiBold);
    m_title->setFont(tf);
    m_title->setForegroundRole(QPalette::PlaceholderText);
    head->addWidget(m_title, 1);
    outer->addLayout(head);

    m_faces = new QStackedWidget(this);
    outer->addWidget(m_faces);

    // Face 0: loading.
    auto *loading = new QWidget(m_faces);
    auto *ll = new QHBoxLayout(loading);
    m_spinner = new Spinner(loading);
    ll->addStretch();
    ll->addWidget(m_spinner);
    ll->addStretch();
    m_faces->addWidget(loading);

    // Face 1: content.
    m_contentHolder = new QWidget(m_faces);
    auto *cl = new QVBoxLayout(m_contentHolder);
    cl->setContentsMargins(0, 0, 0, 0);
    cl->addStretch(1);
    m_faces->addWidget(m_contentHolder);

    // Face 2: error.
    auto *err = new QWidget(m_faces);
    auto *ev = new QVBoxLayout(err);
    ev->setContentsMargins(0, 0, 0, 0);
    auto *el = new QHBoxLayout;
    el->addWidget(new IconView(icon(u"warning"_s), 1.5, this), 0, Qt::AlignTop);
    m_errorLabel = new QLabel(err);
    m_errorLabel->setWordWrap(true);
    m_errorLabel->setObjectName(u"errorText"_s);
    el->addWidget(m_errorLabel, 1);
    ev->addLayout(el);
    m_retry = new QPushButton(tr("Retry"), err);
    m_retry->setObjectName(u"retryButton"_s);
    ev->addWidget(m_retry, 0, Qt::AlignLeft);
    ev->addStretch(1);
    connect(m_retry, &QPushButton::clicked, this, &Card::retryRequested);
    m_faces->addWidget(err);

    // Face 3: empty.
    auto *empty = new QWidget(m_faces);
    auto *xv = new QVBoxLayout(empty);
    xv->setContentsMargins(0, 0, 0, 0);
    auto *xl = new QHBoxLayout;
    xv->addLayout(xl);
    xv->addStretch(1);
    xl->addWidget(new IconView(icon(u"empty"_s), 1.5, this), 0, Qt::AlignTop);
    m_emptyLabel = new QLabel(tr("Nothing to show yet."), empty);
    m_emptyLabel->setWordWrap(true);
    m_emptyLabel->setObjectName(u"emptyText"_s);
    m_emptyLabel->setForegroundRole(QPalette::PlaceholderText);
    xl->addWidget(m_emptyLabel, 1);
    m_faces->addWidget(empty);

    setState(CardState::loading());
}

void Card::setContent(QWidget *content)
{
    m_content = content;
    // Before the trailing stretch: content sits at the top when the row is taller.
    static_cast<QVBoxLayout *>(m_contentHolder->layout())->insertWidget(0, content);
}

void Card::setEmptyText(const QString &text)
{
    m_emptyLabel->setText(text);
}

void Card::setState(const CardState &state)
{
    m_state = state;
    switch (state.status) {
    case CardState::Status::Loading:
        m_faces->setCurrentIndex(0);
        break;
    case CardState::Status::Ready:
        m_faces->setCurrentIndex(1);
        break;
    case CardState::Status::Error:
        m_errorLabel->setText(state.message);
        m_faces->setCurrentIndex(2);
        break;
    case CardState::Status::Empty:
        m_faces->setCurrentIndex(3);
        break;
    }
    // The faces differ in height; let the grid row follow the visible one.
    for (int i = 0; i < m_faces->count(); ++i)
        m_faces->widget(i)->setSizePolicy(QSizePolicy::Preferred, i == m_faces->currentIndex()
                                                                      ? QSizePolicy::Preferred
                                                                      : QSizePolicy::Ignored);
    m_faces->adjustSize();
    updateGeometry();
}

QString Card::title() const
{
    return m_title->text();
}

QString Card::errorText() const
{
    return m_errorLabel->text();
}

QString Card::emptyText() const
{
    return m_emptyLabel->text();
}

StatCard::StatCard(const QString &title, const QString &iconName, QWidget *parent)
    : Card(title, iconName, parent)
{
    auto *w = new QWidget(this);
    auto *l = new QVBoxLayout(w);
    l->setContentsMargins(0, 0, 0, 0);
    l->setSpacing(0);
    m_value = new QLabel(w);
    m_value->setObjectName(u"value"_s);
    QFont f = m_value->font();
    f.setPointSizeF(f.pointSizeF() * 1.9);
    f.setWeight(QFont::Bold);
    m_value->setFont(f);
    m_value->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_caption = new QLabel(w);
    m_caption->setObjectName(u"caption"_s);
    m_caption->setForegroundRole(QPalette::PlaceholderText);
    l->addWidget(m_value);
    l->addWidget(m_caption);
    setContent(w);
}

void StatCard::setValue(const QString &value, const QString &caption)
{
    m_value->setText(value);
    m_caption->setText(caption);
    m_caption->setVisible(!caption.isEmpty());
}

QString StatCard::value() const
{
    return m_value->text();
}

QString StatCard::caption() const
{
    return m_caption->text();
}

} // namespace crewdeck::ui
