<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
  <context>
    <name>Strings</name>
    <message>
      <source>Available</source>
      <translation>Verfügbar</translation>
    </message>
    <message>
      <source>Busy</source>
      <translation>Beschäftigt</translation>
    </message>
    <message>
      <source>Offline</source>
      <translation>Offline</translation>
    </message>
    <message>
      <source>Queued</source>
      <translation>In Warteschlange</translation>
    </message>
    <message>
      <source>Running</source>
      <translation>Läuft</translation>
    </message>
    <message>
      <source>Succeeded</source>
      <translation>Erfolgreich</translation>
    </message>
    <message>
      <source>Failed</source>
      <translation>Fehlgeschlagen</translation>
    </message>
    <message>
      <source>Cancelled</source>
      <translation>Abgebrochen</translation>
    </message>
  </context>
  <context>
    <name>crewdeck::client::ApiClient</name>
    <message>
      <source>Wrong e-mail address or password.</source>
      <translation>E-Mail-Adresse oder Passwort ist falsch.</translation>
    </message>
    <message>
      <source>Your session has expired. Please log in again.</source>
      <translation>Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an.</translation>
    </message>
    <message>
      <source>You are not allowed to do this.</source>
      <translation>Dazu sind Sie nicht berechtigt.</translation>
    </message>
    <message>
      <source>Not found on the server.</source>
      <translation>Auf dem Server nicht gefunden.</translation>
    </message>
    <message numerus="yes">
      <source>Too many attempts. Try again in %n second(s).</source>
      <translation>
        <numerusform>Zu viele Versuche. Bitte in %n Sekunde erneut versuchen.</numerusform>
        <numerusform>Zu viele Versuche. Bitte in %n Sekunden erneut versuchen.</numerusform>
      </translation>
    </message>
    <message>
      <source>Too many attempts. Try again shortly.</source>
      <translation>Zu viele Versuche. Bitte gleich erneut versuchen.</translation>
    </message>
    <message>
      <source>The server had an internal error (HTTP %1).</source>
      <translation>Auf dem Server ist ein interner Fehler aufgetreten (HTTP %1).</translation>
    </message>
    <message>
      <source>The server reported an error: %1</source>
      <translation>Der Server meldet einen Fehler: %1</translation>
    </message>
    <message>
      <source>The server rejected the request (HTTP %1).</source>
      <translation>Der Server hat die Anfrage abgelehnt (HTTP %1).</translation>
    </message>
    <message>
      <source>The server rejected the request: %1</source>
      <translation>Der Server hat die Anfrage abgelehnt: %1</translation>
    </message>
    <message>
      <source>The server sent an unexpected answer (HTTP %1).</source>
      <translation>Der Server hat unerwartet geantwortet (HTTP %1).</translation>
    </message>
    <message>
      <source>Cannot reach the server at %1: the connection was refused. Is the server running?</source>
      <translation>Der Server unter %1 ist nicht erreichbar: Die Verbindung wurde abgelehnt. Läuft der Server?</translation>
    </message>
    <message>
      <source>Cannot reach the server: the host "%1" was not found.</source>
      <translation>Der Server ist nicht erreichbar: Der Host „%1“ wurde nicht gefunden.</translation>
    </message>
    <message>
      <source>The server at %1 did not answer in time.</source>
      <translation>Der Server unter %1 hat nicht rechtzeitig geantwortet.</translation>
    </message>
    <message>
      <source>A secure connection to the server could not be established.</source>
      <translation>Es konnte keine sichere Verbindung zum Server hergestellt werden.</translation>
    </message>
    <message>
      <source>A secure connection to the server could not be established: %1</source>
      <translation>Es konnte keine sichere Verbindung zum Server hergestellt werden: %1</translation>
    </message>
    <message>
      <source>The server redirected the request in an unsafe way.</source>
      <translation>Der Server hat die Anfrage auf unsichere Weise umgeleitet.</translation>
    </message>
    <message>
      <source>Cannot reach the server: %1</source>
      <translation>Der Server ist nicht erreichbar: %1</translation>
    </message>
    <message>
      <source>The server sent data this version of CrewDeck does not understand (%1).</source>
      <translation>Der Server hat Daten gesendet, die diese CrewDeck-Version nicht versteht (%1).</translation>
    </message>
  </context>
  <context>
    <name>crewdeck::client::DashboardController</name>
    <message>
      <source>Not loaded: the server cannot be reached.</source>
      <translation>Nicht geladen: Der Server ist nicht erreichbar.</translation>
    </message>
  </context>
  <context>
    <name>crewdeck::client::RecentRunsModel</name>
    <message>
      <source>%1 ms</source>
      <translation>%1 ms</translation>
    </message>
    <message>
      <source>%1 s</source>
      <translation>%1 s</translation>
    </message>
    <message>
      <source>%1 min %2 s</source>
      <translation>%1 min %2 s</translation>
    </message>
    <message>
      <source>%1 h %2 min</source>
      <translation>%1 h %2 min</translation>
    </message>
    <message>
      <source>Run %1</source>
      <translation>Lauf %1</translation>
    </message>
    <message>
      <source>Crew</source>
      <translation>Crew</translation>
    </message>
    <message>
      <source>Status</source>
      <translation>Status</translation>
    </message>
    <message>
      <source>Duration</source>
      <translation>Dauer</translation>
    </message>
    <message>
      <source>Tokens</source>
      <translation>Tokens</translation>
    </message>
    <message>
      <source>Started</source>
      <translation>Gestartet</translation>
    </message>
  </context>
  <context>
    <name>crewdeck::ui::AppController</name>
    <message>
      <source>Your session has expired. Please log in again.</source>
      <translation>Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an.</translation>
    </message>
    <message>
      <source>"%1" is not a valid server address.</source>
      <translation>„%1“ ist keine gültige Serveradresse.</translation>
    </message>
  </context>
  <context>
    <name>crewdeck::ui::Card</name>
    <message>
      <source>Retry</source>
      <translation>Erneut versuchen</translation>
    </message>
    <message>
      <source>Nothing to show yet.</source>
      <translation>Noch nichts anzuzeigen.</translation>
    </message>
  </context>
  <context>
    <name>crewdeck::ui::DashboardPage</name>
    <message>
      <source>Retry</source>
      <translation>Erneut versuchen</translation>
    </message>
    <message>
      <source>No runs yet. Start a run on one of your crews to see statistics here.</source>
      <translation>Noch keine Läufe. Starten Sie einen Lauf mit einer Ihrer Crews, um hier Statistiken zu sehen.</translation>
    </message>
    <message>
      <source>Total runs</source>
      <translation>Läufe gesamt</translation>
    </message>
    <message>
      <source>Success rate</source>
      <translation>Erfolgsquote</translation>
    </message>
    <message>
      <source>No finished runs yet.</source>
      <translation>Noch keine abgeschlossenen Läufe.</translation>
    </message>
    <message>
      <source>Avg latency</source>
      <translation>Ø Laufzeit</translation>
    </message>
    <message>
      <source>Tokens</source>
      <translation>Tokens</translation>
    </message>
    <message>
      <source>No tokens used yet.</source>
      <translation>Noch keine Tokens verbraucht.</translation>
    </message>
    <message>
      <source>Active crews</source>
      <translation>Aktive Crews</translation>
    </message>
    <message>
      <source>No crew is online.</source>
      <translation>Keine Crew ist online.</translation>
    </message>
    <message>
      <source>C7T balance</source>
      <translation>C7T-Guthaben</translation>
    </message>
    <message>
      <source>C7T spent</source>
      <translation>C7T ausgegeben</translation>
    </message>
    <message>
      <source>C7T earned</source>
      <translation>C7T verdient</translation>
    </message>
    <message>
      <source>Pending rewards</source>
      <translation>Ausstehende Prämien</translation>
    </message>
    <message>
      <source>Rentals</source>
      <translation>Vermietungen</translation>
    </message>
    <message>
      <source>No rentals yet. Offer a crew on the market or rent one to see rentals here.</source>
      <translation>Noch keine Vermietungen. Bieten Sie eine Crew auf dem Marktplatz an oder mieten Sie eine, um hier Vermietungen zu sehen.</translation>
    </message>
    <message>
      <source>Recent runs</source>
      <translation>Letzte Läufe</translation>
    </message>
    <message>
      <source>No runs yet. Runs you start appear here.</source>
      <translation>Noch keine Läufe. Von Ihnen gestartete Läufe erscheinen hier.</translation>
    </message>
    <message>
      <source>Crews</source>
      <translation>Crews</translation>
    </message>
    <message>
      <source>No crews yet. An administrator can create crews for your organisation.</source>
      <translation>Noch keine Crews. Ein Administrator kann Crews für Ihre Organisation anlegen.</translation>
    </message>
    <message>
      <source>The server cannot be reached. %1</source>
      <translation>Der Server ist nicht erreichbar. %1</translation>
    </message>
    <message>
      <source>p50 %1 · p95 %2</source>
      <translation>p50 %1 · p95 %2</translation>
    </message>
    <message numerus="yes">
      <source>%n active</source>
      <translation>
        <numerusform>%n aktiv</numerusform>
        <numerusform>%n aktiv</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>Revenue %1 · utilisation %2 · %n rental(s) in total</source>
      <translation>
        <numerusform>Umsatz %1 · Auslastung %2 · %n Vermietung insgesamt</numerusform>
        <numerusform>Umsatz %1 · Auslastung %2 · %n Vermietungen insgesamt</numerusform>
      </translation>
    </message>
    <message>
      <source>Open run %1</source>
      <translation>Lauf %1 öffnen</translation>
    </message>
    <message>
      <source>no agents</source>
      <translation>keine Agenten</translation>
    </message>
    <message>
      <source>%1 · %2</source>
      <translation>%1 · %2</translation>
    </message>
  </context>
  <context>
    <name>crewdeck::ui::LiveIndicator</name>
    <message>
      <source>Offline</source>
      <translation>Offline</translation>
    </message>
    <message>
      <source>Connecting…</source>
      <translation>Verbinde…</translation>
    </message>
    <message numerus="yes">
      <source>Reconnecting – retry in %n s</source>
      <translation>
        <numerusform>Verbindung unterbrochen – neuer Versuch in %n s</numerusform>
        <numerusform>Verbindung unterbrochen – neuer Versuch in %n s</numerusform>
      </translation>
    </message>
    <message>
      <source>Reconnecting…</source>
      <translation>Verbinde erneut…</translation>
    </message>
    <message numerus="yes">
      <source>Stale – last heard %n s ago</source>
      <translation>
        <numerusform>Veraltet – zuletzt vor %n s gehört</numerusform>
        <numerusform>Veraltet – zuletzt vor %n s gehört</numerusform>
      </translation>
    </message>
    <message>
      <source>Live</source>
      <translation>Live</translation>
    </message>
  </context>
  <context>
    <name>crewdeck::ui::LoginDialog</name>
    <message>
      <source>Log in to CrewDeck</source>
      <translation>Bei CrewDeck anmelden</translation>
    </message>
    <message>
      <source>CrewDeck</source>
      <translation>CrewDeck</translation>
    </message>
    <message>
      <source>you@example.com</source>
      <translation>sie@beispiel.de</translation>
    </message>
    <message>
      <source>&amp;Server:</source>
      <translation>&amp;Server:</translation>
    </message>
    <message>
      <source>&amp;E-mail:</source>
      <translation>&amp;E-Mail:</translation>
    </message>
    <message>
      <source>&amp;Password:</source>
      <translation>&amp;Passwort:</translation>
    </message>
    <message>
      <source>&amp;Log in</source>
      <translation>&amp;Anmelden</translation>
    </message>
    <message>
      <source>Enter the server address, e.g. http://127.0.0.1:8080.</source>
      <translation>Geben Sie die Serveradresse ein, z. B. http://127.0.0.1:8080.</translation>
    </message>
    <message>
      <source>Enter your e-mail address.</source>
      <translation>Geben Sie Ihre E-Mail-Adresse ein.</translation>
    </message>
    <message>
      <source>Enter your password.</source>
      <translation>Geben Sie Ihr Passwort ein.</translation>
    </message>
  </context>
  <context>
    <name>crewdeck::ui::MainWindow</name>
    <message>
      <source>CrewDeck</source>
      <translation>CrewDeck</translation>
    </message>
    <message>
      <source>Role: %1</source>
      <translation>Rolle: %1</translation>
    </message>
    <message>
      <source>Settings</source>
      <translation>Einstellungen</translation>
    </message>
    <message>
      <source>Log out</source>
      <translation>Abmelden</translation>
    </message>
    <message>
      <source>Dashboard</source>
      <translation>Dashboard</translation>
    </message>
  </context>
  <context>
    <name>crewdeck::ui::SettingsDialog</name>
    <message>
      <source>Settings</source>
      <translation>Einstellungen</translation>
    </message>
    <message>
      <source>&amp;Server:</source>
      <translation>&amp;Server:</translation>
    </message>
    <message>
      <source> s</source>
      <translation> s</translation>
    </message>
    <message>
      <source>Dashboard &amp;refresh every:</source>
      <translation>Dashboard &amp;aktualisieren alle:</translation>
    </message>
    <message>
      <source>System</source>
      <translation>System</translation>
    </message>
    <message>
      <source>Light</source>
      <translation>Hell</translation>
    </message>
    <message>
      <source>Dark</source>
      <translation>Dunkel</translation>
    </message>
    <message>
      <source>&amp;Theme:</source>
      <translation>&amp;Design:</translation>
    </message>
    <message>
      <source>&amp;Language:</source>
      <translation>&amp;Sprache:</translation>
    </message>
    <message>
      <source>A new server address is used at the next login.</source>
      <translation>Eine neue Serveradresse gilt ab der nächsten Anmeldung.</translation>
    </message>
  </context>
  <context>
    <name>crewdeck::ui::Spinner</name>
    <message>
      <source>Loading</source>
      <translation>Wird geladen</translation>
    </message>
  </context>
  <context>
    <name>main</name>
    <message>
      <source>Watch and steer crews of AI agents.</source>
      <translation>KI-Agenten-Crews beobachten und steuern.</translation>
    </message>
    <message>
      <source>Server URL.</source>
      <translation>Server-URL.</translation>
    </message>
    <message>
      <source>E-mail address to log in with.</source>
      <translation>E-Mail-Adresse für die Anmeldung.</translation>
    </message>
    <message>
      <source>Read the password from one line of standard input.</source>
      <translation>Das Passwort aus einer Zeile der Standardeingabe lesen.</translation>
    </message>
    <message>
      <source>Language: en or de.</source>
      <translation>Sprache: en oder de.</translation>
    </message>
    <message>
      <source>Log in, wait for live data, save the window to FILE and exit.</source>
      <translation>Anmelden, auf Live-Daten warten, das Fenster in DATEI speichern und beenden.</translation>
    </message>
    <message>
      <source>Page to show (dashboard).</source>
      <translation>Anzuzeigende Seite (dashboard).</translation>
    </message>
    <message>
      <source>crewdeck: login failed: %1</source>
      <translation>crewdeck: Anmeldung fehlgeschlagen: %1</translation>
    </message>
    <message>
      <source>crewdeck: unknown page "%1"</source>
      <translation>crewdeck: unbekannte Seite „%1“</translation>
    </message>
    <message>
      <source>crewdeck: cannot write %1</source>
      <translation>crewdeck: %1 kann nicht geschrieben werden</translation>
    </message>
    <message>
      <source>crewdeck: the dashboard did not show live data within 30 s</source>
      <translation>crewdeck: Das Dashboard hat innerhalb von 30 s keine Live-Daten gezeigt</translation>
    </message>
  </context>
</TS>