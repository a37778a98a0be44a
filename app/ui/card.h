#pragma once
#include "app/models/cardstate.h"

#include <QFrame>

class QLabel;
class QPushButton;
class QStackedWidget;

namespace crewdeck::ui {

class Spinner;

// A dashboard card: a title and one of four faces — loading (spinner), the content, an
// error (message + Retry) or an empty hint (icon + text). GUI thread.
class Card : public QFrame
{
    Q_OBJECT
public:
    explicit Card(const QString &title, const QString &iconName = {}, QWidget *parent = nullptr);

    void setContent(QWidget *content);
    QWidget *content() const { return m_content; }
    void setEmptyText(const QString &text);
    void setState(const client::CardState &state);
    client::CardState state() const { return m_state; }
    QString title() const;
    QString errorText() const;
    QString emptyText() const;
    QPushButton *retryButton() const { return m_retry; }

Q_SIGNALS:
    void retryRequested();

private:
    client::CardState m_state;
    QLabel *m_title;
    QStackedWidget *m_faces;
    QWidget *m_content = nullptr;
    QWidget *m_contentHolder;
    QLabel *m_errorLabel;
    QLabel *m_emptyLabel;
    QPushButton *m_retry;
    Spinner *m_spinner;
};

// A card that shows one number with a caption below it.
class StatCard : public Card
{
    Q_OBJECT
public:
    explicit StatCard(const QString &title, const QString &iconName = {},
                      QWidget *parent = nullptr);
    void setValue(const QString &value, const QString &caption = {});
    QString value() const;
    QString caption() const;

private:
    QLabel *m_value;
    QLabel *m_caption;
};

} // namespace crewdeck::ui
