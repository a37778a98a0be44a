<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>ExportUi</name>
    <message>
        <source>Export</source>
        <translation>Exportieren</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Collecting runs… %1</source>
        <translation>Läufe werden gesammelt… %1</translation>
    </message>
    <message>
        <source>Writing the report…</source>
        <translation>Bericht wird geschrieben…</translation>
    </message>
</context>
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
    <message>
        <source>Success</source>
        <translation>Erfolgreich</translation>
    </message>
    <message>
        <source>Timeout</source>
        <translation>Zeitüberschreitung</translation>
    </message>
</context>
<context>
    <name>TlsTrust</name>
    <message>
        <source>Cannot read the certificate file %1: %2</source>
        <translation>Die Zertifikatsdatei %1 kann nicht gelesen werden: %2</translation>
    </message>
    <message>
        <source>The file %1 holds no certificate (PEM or DER).</source>
        <translation>Die Datei %1 enthält kein Zertifikat (PEM oder DER).</translation>
    </message>
    <message>
        <source>(no certificate)</source>
        <translation>(kein Zertifikat)</translation>
    </message>
    <message>
        <source>Subject: %1
Issuer: %2
Valid from %3 to %4
SHA-256 fingerprint: %5</source>
        <translation>Inhaber: %1
Aussteller: %2
Gültig von %3 bis %4
SHA-256-Fingerabdruck: %5</translation>
    </message>
    <message>
        <source>%1 (at &quot;%2&quot; in the chain)</source>
        <translation>%1 (bei „%2“ in der Kette)</translation>
    </message>
    <message>
        <source>The server&apos;s certificate is not trusted: %1
%2</source>
        <translation>Dem Zertifikat des Servers wird nicht vertraut: %1
%2</translation>
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
        <source>Cannot reach the server: the host &quot;%1&quot; was not found.</source>
        <translation>Der Server ist nicht erreichbar: Der Host „%1“ wurde nicht gefunden.</translation>
    </message>
    <message>
        <source>The server at %1 did not answer in time.</source>
        <translation>Der Server unter %1 hat nicht rechtzeitig geantwortet.</translation>
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
    <name>crewdeck::client::DashboardData</name>
    <message>
        <source>Not loaded: the server cannot be reached.</source>
        <translation>Nicht geladen: Der Server ist nicht erreichbar.</translation>
    </message>
</context>
<context>
    <name>crewdeck::client::Exporter</name>
    <message>
        <source>Cancelled.</source>
        <translation>Abgebrochen.</translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>%1 kann nicht geschrieben werden: %2</translation>
    </message>
</context>
<context>
    <name>crewdeck::client::MarketModel</name>
    <message>
        <source>%1 C7T/h</source>
        <translation>%1 C7T/h</translation>
    </message>
    <message>
        <source>Crew</source>
        <translation>Crew</translation>
    </message>
    <message>
        <source>Owner</source>
        <translation>Anbieter</translation>
    </message>
    <message>
        <source>Price</source>
        <translation>Preis</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
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
        <source>Started</source>
        <translation>Gestartet</translation>
    </message>
</context>
<context>
    <name>crewdeck::client::RentalsModel</name>
    <message>
        <source>Rented by us</source>
        <translation>Von uns gemietet</translation>
    </message>
    <message>
        <source>Rented out</source>
        <translation>Vermietet</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>Aktiv</translation>
    </message>
    <message>
        <source>Ended</source>
        <translation>Beendet</translation>
    </message>
    <message>
        <source>Crew</source>
        <translation>Crew</translation>
    </message>
    <message>
        <source>Side</source>
        <translation>Seite</translation>
    </message>
    <message>
        <source>Hours</source>
        <translation>Stunden</translation>
    </message>
    <message>
        <source>Price</source>
        <translation>Preis</translation>
    </message>
    <message>
        <source>Ends</source>
        <translation>Endet</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
</context>
<context>
    <name>crewdeck::client::RunsModel</name>
    <message>
        <source>Run %1</source>
        <translation>Lauf %1</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>Erstellt</translation>
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
        <source>Run ID</source>
        <translation>Lauf-ID</translation>
    </message>
</context>
<context>
    <name>crewdeck::client::ToolCallsModel</name>
    <message>
        <source>Tool</source>
        <translation>Werkzeug</translation>
    </message>
    <message>
        <source>Agent</source>
        <translation>Agent</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>Dauer</translation>
    </message>
</context>
<context>
    <name>crewdeck::ui::AnalyticsCharts</name>
    <message>
        <source>Runs</source>
        <translation>Läufe</translation>
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
        <source>Success rate</source>
        <translation>Erfolgsquote</translation>
    </message>
    <message>
        <source>Success rate (%)</source>
        <translation>Erfolgsquote (%)</translation>
    </message>
    <message>
        <source>Latency</source>
        <translation>Latenz</translation>
    </message>
    <message>
        <source>p50 (ms)</source>
        <translation>p50 (ms)</translation>
    </message>
    <message>
        <source>p95 (ms)</source>
        <translation>p95 (ms)</translation>
    </message>
    <message>
        <source>Tokens</source>
        <translation>Tokens</translation>
    </message>
    <message>
        <source>C7T ledger</source>
        <translation>C7T-Buchungen</translation>
    </message>
    <message>
        <source>Balance</source>
        <translation>Kontostand</translation>
    </message>
    <message>
        <source>Spent</source>
        <translation>Ausgegeben</translation>
    </message>
    <message>
        <source>Earned</source>
        <translation>Verdient</translation>
    </message>
</context>
<context>
    <name>crewdeck::ui::AnalyticsPage</name>
    <message>
        <source>Last 24 hours</source>
        <translation>Letzte 24 Stunden</translation>
    </message>
    <message>
        <source>Last 7 days</source>
        <translation>Letzte 7 Tage</translation>
    </message>
    <message>
        <source>Last 30 days</source>
        <translation>Letzte 30 Tage</translation>
    </message>
    <message>
        <source>Last 90 days</source>
        <translation>Letzte 90 Tage</translation>
    </message>
    <message>
        <source>Custom</source>
        <translation>Benutzerdefiniert</translation>
    </message>
    <message>
        <source>Hourly</source>
        <translation>Stündlich</translation>
    </message>
    <message>
        <source>Daily</source>
        <translation>Täglich</translation>
    </message>
    <message>
        <source>Weekly</source>
        <translation>Wöchentlich</translation>
    </message>
    <message>
        <source>Week of %1</source>
        <translation>Woche vom %1</translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>Anwenden</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>Exportieren</translation>
    </message>
    <message>
        <source>Runs as CSV…</source>
        <translation>Läufe als CSV…</translation>
    </message>
    <message>
        <source>C7T ledger as CSV…</source>
        <translation>C7T-Buchungen als CSV…</translation>
    </message>
    <message>
        <source>PDF report…</source>
        <translation>PDF-Bericht…</translation>
    </message>
    <message>
        <source>Range:</source>
        <translation>Zeitraum:</translation>
    </message>
    <message>
        <source>From</source>
        <translation>Von</translation>
    </message>
    <message>
        <source>to</source>
        <translation>bis</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Wird geladen…</translation>
    </message>
    <message>
        <source>Could not load: %1</source>
        <translation>Laden fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Updated %1</source>
        <translation>Aktualisiert %1</translation>
    </message>
    <message>
        <source>The start must be before the end.</source>
        <translation>Der Beginn muss vor dem Ende liegen.</translation>
    </message>
    <message>
        <source>%1 runs, %2 succeeded, %3 failed, %4 tokens</source>
        <translation>%1 Läufe, %2 erfolgreich, %3 fehlgeschlagen, %4 Tokens</translation>
    </message>
    <message>
        <source>%1
%2 runs: %3 succeeded, %4 failed</source>
        <translation>%1
%2 Läufe: %3 erfolgreich, %4 fehlgeschlagen</translation>
    </message>
    <message>
        <source>%1
Success rate: %2</source>
        <translation>%1
Erfolgsquote: %2</translation>
    </message>
    <message>
        <source>%1
p50: %2, p95: %3</source>
        <translation>%1
p50: %2, p95: %3</translation>
    </message>
    <message>
        <source>%1
%2 tokens</source>
        <translation>%1
%2 Tokens</translation>
    </message>
    <message>
        <source>%1
Balance: %2
Spent: %3, earned: %4</source>
        <translation>%1
Kontostand: %2
Ausgegeben: %3, verdient: %4</translation>
    </message>
    <message>
        <source>PDF files (*.pdf)</source>
        <translation>PDF-Dateien (*.pdf)</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV-Dateien (*.csv)</translation>
    </message>
    <message>
        <source>Exported to %1</source>
        <translation>Exportiert nach %1</translation>
    </message>
    <message>
        <source>Export failed</source>
        <translation>Export fehlgeschlagen</translation>
    </message>
    <message>
        <source>The data is still loading.</source>
        <translation>Die Daten werden noch geladen.</translation>
    </message>
    <message>
        <source>Collecting runs…</source>
        <translation>Läufe werden gesammelt…</translation>
    </message>
    <message>
        <source>A report is being written already.</source>
        <translation>Es wird bereits ein Bericht geschrieben.</translation>
    </message>
    <message>
        <source>CrewDeck analytics</source>
        <translation>CrewDeck-Auswertung</translation>
    </message>
    <message>
        <source>Writing the report…</source>
        <translation>Bericht wird geschrieben…</translation>
    </message>
    <message>
        <source>Analytics</source>
        <translation>Auswertung</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>Offline</translation>
    </message>
    <message>
        <source>Needs a connection to the server.</source>
        <translation>Braucht eine Verbindung zum Server.</translation>
    </message>
</context>
<context>
    <name>crewdeck::ui::AppController</name>
    <message>
        <source>Your session has expired. Please log in again.</source>
        <translation>Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an.</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not a valid server address.</source>
        <translation>„%1“ ist keine gültige Serveradresse.</translation>
    </message>
    <message>
        <source>Runs</source>
        <translation>Läufe</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>Lauf</translation>
    </message>
    <message>
        <source>Crews</source>
        <translation>Crews</translation>
    </message>
    <message>
        <source>Offline — last updated %1</source>
        <translation>Offline — zuletzt aktualisiert %1</translation>
    </message>
    <message numerus="yes">
        <source>retrying in %n s</source>
        <translation>
            <numerusform>nächster Versuch in %n s</numerusform>
            <numerusform>nächster Versuch in %n s</numerusform>
        </translation>
    </message>
    <message>
        <source>Needs a connection to the server.</source>
        <translation>Braucht eine Verbindung zum Server.</translation>
    </message>
    <message>
        <source>Graph</source>
        <translation>Graph</translation>
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
    <name>crewdeck::ui::CreateCrewDialog</name>
    <message>
        <source>New crew</source>
        <translation>Neue Crew</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>Name:</translation>
    </message>
    <message>
        <source>Offer on the market for</source>
        <translation>Auf dem Marktplatz anbieten für</translation>
    </message>
    <message>
        <source> C7T/h</source>
        <translation> C7T/h</translation>
    </message>
    <message>
        <source>Rental:</source>
        <translation>Vermietung:</translation>
    </message>
    <message>
        <source>Agents:</source>
        <translation>Agenten:</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>Rolle</translation>
    </message>
    <message>
        <source>Add agent</source>
        <translation>Agent hinzufügen</translation>
    </message>
    <message>
        <source>Remove agent</source>
        <translation>Agent entfernen</translation>
    </message>
    <message>
        <source>Create crew</source>
        <translation>Crew anlegen</translation>
    </message>
    <message>
        <source>The crew needs a name.</source>
        <translation>Die Crew braucht einen Namen.</translation>
    </message>
    <message>
        <source>Agent %1 needs a name.</source>
        <translation>Agent %1 braucht einen Namen.</translation>
    </message>
    <message>
        <source>Add at least one agent.</source>
        <translation>Fügen Sie mindestens einen Agenten hinzu.</translation>
    </message>
    <message>
        <source>The crew is not valid: %1</source>
        <translation>Die Crew ist ungültig: %1</translation>
    </message>
</context>
<context>
    <name>crewdeck::ui::CrewsPage</name>
    <message>
        <source>New crew</source>
        <translation>Neue Crew</translation>
    </message>
    <message>
        <source>Delete crew</source>
        <translation>Crew löschen</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Aktualisieren</translation>
    </message>
    <message>
        <source>Crew / agent</source>
        <translation>Crew / Agent</translation>
    </message>
    <message>
        <source>Status / role</source>
        <translation>Status / Rolle</translation>
    </message>
    <message>
        <source>Tools</source>
        <translation>Werkzeuge</translation>
    </message>
    <message>
        <source>Rental price</source>
        <translation>Mietpreis</translation>
    </message>
    <message>
        <source>My crews</source>
        <translation>Meine Crews</translation>
    </message>
    <message>
        <source>Rent…</source>
        <translation>Mieten…</translation>
    </message>
    <message>
        <source>Market</source>
        <translation>Marktplatz</translation>
    </message>
    <message>
        <source>My rentals</source>
        <translation>Meine Mieten</translation>
    </message>
    <message>
        <source>Balance: %1</source>
        <translation>Guthaben: %1</translation>
    </message>
    <message numerus="yes">
        <source>%n agent(s)</source>
        <translation>
            <numerusform>%n Agent</numerusform>
            <numerusform>%n Agenten</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 per hour</source>
        <translation>%1 pro Stunde</translation>
    </message>
    <message>
        <source>Not offered</source>
        <translation>Nicht angeboten</translation>
    </message>
    <message>
        <source>Delete the crew &quot;%1&quot; and its agents? This cannot be undone.</source>
        <translation>Die Crew „%1“ und ihre Agenten löschen? Das kann nicht rückgängig gemacht werden.</translation>
    </message>
    <message>
        <source>This crew cannot be deleted: it has a running run or an active rental. Wait for the run or the rental to end, then try again.</source>
        <translation>Diese Crew kann nicht gelöscht werden: Sie hat einen laufenden Lauf oder eine aktive Vermietung. Warten Sie, bis der Lauf bzw. die Vermietung endet, und versuchen Sie es dann erneut.</translation>
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
    <message>
        <source>Last known: %1</source>
        <translation>Zuletzt bekannt: %1</translation>
    </message>
</context>
<context>
    <name>crewdeck::ui::GraphPage</name>
    <message>
        <source>%1 %</source>
        <translation>%1 %</translation>
    </message>
    <message>
        <source>running</source>
        <translation>läuft</translation>
    </message>
    <message>
        <source> · exit %1</source>
        <translation> · Exit %1</translation>
    </message>
    <message>
        <source>&amp;Crew:</source>
        <translation>&amp;Crew:</translation>
    </message>
    <message>
        <source>Zoom out (-)</source>
        <translation>Verkleinern (-)</translation>
    </message>
    <message>
        <source>Zoom in (+)</source>
        <translation>Vergrößern (+)</translation>
    </message>
    <message>
        <source>Fit</source>
        <translation>Einpassen</translation>
    </message>
    <message>
        <source>Fit the whole graph into view (0)</source>
        <translation>Den ganzen Graphen einpassen (0)</translation>
    </message>
    <message>
        <source>No crews yet. Create a crew to see its agents and tools here.</source>
        <translation>Noch keine Crews. Legen Sie eine Crew an, um hier ihre Agenten und Werkzeuge zu sehen.</translation>
    </message>
    <message>
        <source>Graph</source>
        <translation>Graph</translation>
    </message>
</context>
<context>
    <name>crewdeck::ui::GraphScene</name>
    <message numerus="yes">
        <source>%n agent(s)</source>
        <translation>
            <numerusform>%n Agent</numerusform>
            <numerusform>%n Agenten</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>crewdeck::ui::KeychainStore</name>
    <message>
        <source>No keychain service is running (there is no desktop session), so CrewDeck cannot keep your password safely.</source>
        <translation>Es läuft kein Schlüsselbund-Dienst (keine Desktop-Sitzung), daher kann CrewDeck Ihr Passwort nicht sicher aufbewahren.</translation>
    </message>
    <message>
        <source>No keychain service (Secret Service or KWallet) is running, so CrewDeck cannot keep your password safely.</source>
        <translation>Es läuft kein Schlüsselbund-Dienst (Secret Service oder KWallet), daher kann CrewDeck Ihr Passwort nicht sicher aufbewahren.</translation>
    </message>
    <message>
        <source>This build of CrewDeck cannot reach a keychain service.</source>
        <translation>Diese CrewDeck-Version kann keinen Schlüsselbund-Dienst erreichen.</translation>
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
    <message numerus="yes">
        <source>Certificate not trusted – retry in %n s</source>
        <translation>
            <numerusform>Zertifikat nicht vertrauenswürdig – neuer Versuch in %n s</numerusform>
            <numerusform>Zertifikat nicht vertrauenswürdig – neuer Versuch in %n s</numerusform>
        </translation>
    </message>
    <message>
        <source>Certificate not trusted</source>
        <translation>Zertifikat nicht vertrauenswürdig</translation>
    </message>
</context>
<context>
    <name>crewdeck::ui::LogView</name>
    <message>
        <source>Follow</source>
        <translation>Folgen</translation>
    </message>
    <message>
        <source>Keep the newest output in view. Scrolling up pauses it.</source>
        <translation>Die neueste Ausgabe im Blick behalten. Hochscrollen pausiert das.</translation>
    </message>
    <message>
        <source>No output yet.</source>
        <translation>Noch keine Ausgabe.</translation>
    </message>
    <message>
        <source>Following</source>
        <translation>Folgt</translation>
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
    <message>
        <source>&amp;Remember me on this computer</source>
        <translation>Auf diesem Computer &amp;angemeldet bleiben</translation>
    </message>
    <message>
        <source>No keychain is available.</source>
        <translation>Kein Schlüsselbund verfügbar.</translation>
    </message>
    <message>
        <source>Keeps your password in the system keychain. Signing out forgets it.</source>
        <translation>Bewahrt Ihr Passwort im Schlüsselbund des Systems auf. Abmelden löscht es.</translation>
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
    <name>crewdeck::ui::PdfReport</name>
    <message>
        <source>Cannot write %1.</source>
        <translation>%1 kann nicht geschrieben werden.</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation>Abgebrochen.</translation>
    </message>
    <message>
        <source>Cannot add a page.</source>
        <translation>Seite kann nicht angelegt werden.</translation>
    </message>
    <message>
        <source>Range: %1 to %2 (%3 buckets)</source>
        <translation>Zeitraum: %1 bis %2 (Intervall: %3)</translation>
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
        <source>Average latency</source>
        <translation>Mittlere Latenz</translation>
    </message>
    <message>
        <source>p50 / p95 latency</source>
        <translation>Latenz p50 / p95</translation>
    </message>
    <message>
        <source>Tokens</source>
        <translation>Tokens</translation>
    </message>
    <message>
        <source>Active crews</source>
        <translation>Aktive Crews</translation>
    </message>
    <message>
        <source>Page %1 of %2</source>
        <translation>Seite %1 von %2</translation>
    </message>
    <message>
        <source>Runs</source>
        <translation>Läufe</translation>
    </message>
    <message>
        <source>Runs %1 to %2 of %3</source>
        <translation>Läufe %1 bis %2 von %3</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>Erstellt</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>Lauf</translation>
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
        <source>No runs in this range.</source>
        <translation>Keine Läufe in diesem Zeitraum.</translation>
    </message>
</context>
<context>
    <name>crewdeck::ui::RentDialog</name>
    <message>
        <source>Rent %1</source>
        <translation>%1 mieten</translation>
    </message>
    <message>
        <source>Crew:</source>
        <translation>Crew:</translation>
    </message>
    <message>
        <source>Price:</source>
        <translation>Preis:</translation>
    </message>
    <message>
        <source>%1 per hour</source>
        <translation>%1 pro Stunde</translation>
    </message>
    <message>
        <source> h</source>
        <translation> h</translation>
    </message>
    <message>
        <source>Hours:</source>
        <translation>Stunden:</translation>
    </message>
    <message>
        <source>Cost:</source>
        <translation>Kosten:</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Wird geladen…</translation>
    </message>
    <message>
        <source>Your balance:</source>
        <translation>Ihr Guthaben:</translation>
    </message>
    <message>
        <source>Rent</source>
        <translation>Mieten</translation>
    </message>
    <message>
        <source>%1 (%2 × %3 h)</source>
        <translation>%1 (%2 × %3 h)</translation>
    </message>
    <message>
        <source>The rental is not valid: %1</source>
        <translation>Die Miete ist ungültig: %1</translation>
    </message>
    <message>
        <source>Insufficient balance: this rental costs %1, more than your organisation&apos;s C7T balance. Choose fewer hours or earn C7T first.</source>
        <translation>Guthaben reicht nicht: Diese Miete kostet %1, mehr als das C7T-Guthaben Ihrer Organisation. Wählen Sie weniger Stunden oder verdienen Sie zuerst C7T.</translation>
    </message>
</context>
<context>
    <name>crewdeck::ui::RunDetailPage</name>
    <message>
        <source>← Runs</source>
        <translation>← Läufe</translation>
    </message>
    <message>
        <source>Cancel run</source>
        <translation>Lauf abbrechen</translation>
    </message>
    <message>
        <source>Re-run</source>
        <translation>Erneut ausführen</translation>
    </message>
    <message>
        <source>Crew:</source>
        <translation>Crew:</translation>
    </message>
    <message>
        <source>Started:</source>
        <translation>Gestartet:</translation>
    </message>
    <message>
        <source>Duration:</source>
        <translation>Dauer:</translation>
    </message>
    <message>
        <source>Tokens:</source>
        <translation>Tokens:</translation>
    </message>
    <message>
        <source>Run %1</source>
        <translation>Lauf %1</translation>
    </message>
    <message>
        <source>Output of step %1: %2</source>
        <translation>Ausgabe von Schritt %1: %2</translation>
    </message>
    <message>
        <source>The run has already finished.</source>
        <translation>Der Lauf ist bereits beendet.</translation>
    </message>
    <message>
        <source>This run has no steps to repeat.</source>
        <translation>Dieser Lauf hat keine Schritte zum Wiederholen.</translation>
    </message>
    <message>
        <source>The run cannot be repeated: %1</source>
        <translation>Der Lauf kann nicht wiederholt werden: %1</translation>
    </message>
</context>
<context>
    <name>crewdeck::ui::RunsPage</name>
    <message>
        <source>All crews</source>
        <translation>Alle Crews</translation>
    </message>
    <message>
        <source>All statuses</source>
        <translation>Alle Status</translation>
    </message>
    <message>
        <source>All time</source>
        <translation>Gesamter Zeitraum</translation>
    </message>
    <message>
        <source>Last 24 hours</source>
        <translation>Letzte 24 Stunden</translation>
    </message>
    <message>
        <source>Last 7 days</source>
        <translation>Letzte 7 Tage</translation>
    </message>
    <message>
        <source>Last 30 days</source>
        <translation>Letzte 30 Tage</translation>
    </message>
    <message>
        <source>Custom range</source>
        <translation>Eigener Zeitraum</translation>
    </message>
    <message>
        <source>New run</source>
        <translation>Neuer Lauf</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Aktualisieren</translation>
    </message>
    <message>
        <source>Crew:</source>
        <translation>Crew:</translation>
    </message>
    <message>
        <source>Status:</source>
        <translation>Status:</translation>
    </message>
    <message>
        <source>Created:</source>
        <translation>Erstellt:</translation>
    </message>
    <message>
        <source>Loading runs…</source>
        <translation>Läufe werden geladen…</translation>
    </message>
    <message>
        <source>No runs match the filter.</source>
        <translation>Keine Läufe passen zum Filter.</translation>
    </message>
    <message numerus="yes">
        <source>%n run(s) shown, scroll for more</source>
        <translation>
            <numerusform>%n Lauf angezeigt, für mehr scrollen</numerusform>
            <numerusform>%n Läufe angezeigt, für mehr scrollen</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n run(s)</source>
        <translation>
            <numerusform>%n Lauf</numerusform>
            <numerusform>%n Läufe</numerusform>
        </translation>
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
        <source>Notify me of failed runs and offline crews while CrewDeck is in the background</source>
        <translation>Bei fehlgeschlagenen Läufen und Crews offline benachrichtigen, während CrewDeck im Hintergrund ist</translation>
    </message>
    <message>
        <source>&amp;Notifications:</source>
        <translation>&amp;Benachrichtigungen:</translation>
    </message>
    <message>
        <source>None: the system&apos;s certificate authorities only</source>
        <translation>Keines: nur die Zertifizierungsstellen des Systems</translation>
    </message>
    <message>
        <source>&amp;Browse…</source>
        <translation>&amp;Durchsuchen…</translation>
    </message>
    <message>
        <source>Certificate to trust</source>
        <translation>Zertifikat, dem vertraut werden soll</translation>
    </message>
    <message>
        <source>Certificates (*.pem *.crt *.cer *.der);;All files (*)</source>
        <translation>Zertifikate (*.pem *.crt *.cer *.der);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Also &amp;trust certificate:</source>
        <translation>Zusätzlich &amp;vertrauen:</translation>
    </message>
    <message>
        <source>A new server address is used at the next login; a trusted certificate from the next connection on.</source>
        <translation>Eine neue Serveradresse gilt ab der nächsten Anmeldung, ein vertrautes Zertifikat ab der nächsten Verbindung.</translation>
    </message>
    <message>
        <source>System default</source>
        <translation>Systemstandard</translation>
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
    <name>crewdeck::ui::StartRunDialog</name>
    <message>
        <source>New run</source>
        <translation>Neuer Lauf</translation>
    </message>
    <message>
        <source>Loading crews…</source>
        <translation>Crews werden geladen…</translation>
    </message>
    <message>
        <source>Crew:</source>
        <translation>Crew:</translation>
    </message>
    <message>
        <source> s</source>
        <translation> s</translation>
    </message>
    <message>
        <source>Timeout:</source>
        <translation>Zeitlimit:</translation>
    </message>
    <message>
        <source>Steps (run in order; a failing step ends the run):</source>
        <translation>Schritte (der Reihe nach; ein fehlschlagender Schritt beendet den Lauf):</translation>
    </message>
    <message>
        <source>Add step</source>
        <translation>Schritt hinzufügen</translation>
    </message>
    <message>
        <source>Start run</source>
        <translation>Lauf starten</translation>
    </message>
    <message>
        <source>No crews yet</source>
        <translation>Noch keine Crews</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>Pick a crew.</source>
        <translation>Wählen Sie eine Crew.</translation>
    </message>
    <message>
        <source>Step %1: the repository URL is missing (steps[%2].params.url).</source>
        <translation>Schritt %1: Die Repository-URL fehlt (steps[%2].params.url).</translation>
    </message>
    <message>
        <source>Step %1: the command is missing (steps[%2].params.command).</source>
        <translation>Schritt %1: Der Befehl fehlt (steps[%2].params.command).</translation>
    </message>
    <message>
        <source>The run is not valid: %1</source>
        <translation>Der Lauf ist ungültig: %1</translation>
    </message>
</context>
<context>
    <name>crewdeck::ui::StepEditor</name>
    <message>
        <source>Clone (git_clone)</source>
        <translation>Klonen (git_clone)</translation>
    </message>
    <message>
        <source>Tests (pytest)</source>
        <translation>Tests (pytest)</translation>
    </message>
    <message>
        <source>Script</source>
        <translation>Skript</translation>
    </message>
    <message>
        <source>Repository URL</source>
        <translation>Repository-URL</translation>
    </message>
    <message>
        <source>Ref (optional)</source>
        <translation>Ref (optional)</translation>
    </message>
    <message>
        <source>Arguments, e.g. -q -k &quot;fast and not slow&quot;</source>
        <translation>Argumente, z. B. -q -k &quot;fast and not slow&quot;</translation>
    </message>
    <message>
        <source>Path (optional)</source>
        <translation>Pfad (optional)</translation>
    </message>
    <message>
        <source>Shell command</source>
        <translation>Shell-Befehl</translation>
    </message>
    <message>
        <source>Any agent</source>
        <translation>Beliebiger Agent</translation>
    </message>
    <message>
        <source>Move up</source>
        <translation>Nach oben</translation>
    </message>
    <message>
        <source>Move down</source>
        <translation>Nach unten</translation>
    </message>
    <message>
        <source>Remove step</source>
        <translation>Schritt entfernen</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
</context>
<context>
    <name>crewdeck::ui::TimelineWidget</name>
    <message>
        <source>Tool call timeline</source>
        <translation>Zeitleiste der Werkzeugaufrufe</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Wird geladen…</translation>
    </message>
    <message>
        <source>This run has no tool calls.</source>
        <translation>Dieser Lauf hat keine Werkzeugaufrufe.</translation>
    </message>
    <message>
        <source>Waiting for the first tool call…</source>
        <translation>Warte auf den ersten Werkzeugaufruf…</translation>
    </message>
    <message>
        <source>%1 – %2</source>
        <translation>%1 – %2</translation>
    </message>
    <message>
        <source>Exit code %1</source>
        <translation>Exit-Code %1</translation>
    </message>
</context>
<context>
    <name>crewdeck::ui::ToastManager</name>
    <message>
        <source>More notifications are waiting. Click to dismiss them.</source>
        <translation>Weitere Benachrichtigungen warten. Klicken, um sie zu verwerfen.</translation>
    </message>
    <message>
        <source>Tool</source>
        <translation>Werkzeug</translation>
    </message>
    <message>
        <source>%1 · run %2</source>
        <translation>%1 · Lauf %2</translation>
    </message>
    <message numerus="yes">
        <source>+%n more</source>
        <translation>
            <numerusform>+%n weitere</numerusform>
            <numerusform>+%n weitere</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 started</source>
        <translation>%1 gestartet</translation>
    </message>
    <message>
        <source>%1 — %2 %</source>
        <translation>%1 — %2 %</translation>
    </message>
    <message>
        <source>%1 running</source>
        <translation>%1 läuft</translation>
    </message>
    <message>
        <source>%1 finished in %2</source>
        <translation>%1 fertig in %2</translation>
    </message>
    <message>
        <source>%1 timed out after %2</source>
        <translation>%1 nach %2 abgebrochen (Zeitüberschreitung)</translation>
    </message>
    <message>
        <source>%1 cancelled after %2</source>
        <translation>%1 nach %2 abgebrochen</translation>
    </message>
    <message>
        <source>%1 failed after %2 (exit code %3)</source>
        <translation>%1 nach %2 fehlgeschlagen (Exit-Code %3)</translation>
    </message>
    <message>
        <source>%1 failed after %2</source>
        <translation>%1 nach %2 fehlgeschlagen</translation>
    </message>
    <message>
        <source>Clear all</source>
        <translation>Alle schließen</translation>
    </message>
    <message>
        <source>Dismiss every notification</source>
        <translation>Alle Benachrichtigungen schließen</translation>
    </message>
</context>
<context>
    <name>crewdeck::ui::ToastWidget</name>
    <message>
        <source>Dismiss</source>
        <translation>Verwerfen</translation>
    </message>
</context>
<context>
    <name>crewdeck::ui::TrayNotifier</name>
    <message>
        <source>CrewDeck</source>
        <translation>CrewDeck</translation>
    </message>
    <message>
        <source>Run %1 of %2 failed</source>
        <translation>Lauf %1 von %2 fehlgeschlagen</translation>
    </message>
    <message numerus="yes">
        <source>%n run(s) failed, %1</source>
        <translation>
            <numerusform>%n Lauf fehlgeschlagen, %1</numerusform>
            <numerusform>%n Läufe fehlgeschlagen, %1</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n crew(s) offline</source>
        <translation>
            <numerusform>%n Crew offline</numerusform>
            <numerusform>%n Crews offline</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n run(s) failed</source>
        <translation>
            <numerusform>%n Lauf fehlgeschlagen</numerusform>
            <numerusform>%n Läufe fehlgeschlagen</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n crew(s) went offline</source>
        <translation>
            <numerusform>%n Crew ist offline</numerusform>
            <numerusform>%n Crews sind offline</numerusform>
        </translation>
    </message>
    <message>
        <source>Offline: %1</source>
        <translation>Offline: %1</translation>
    </message>
    <message numerus="yes">
        <source>and %n more</source>
        <translation>
            <numerusform>und %n weiterer</numerusform>
            <numerusform>und %n weitere</numerusform>
        </translation>
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
        <source>crewdeck: login failed: %1</source>
        <translation>crewdeck: Anmeldung fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>crewdeck: unknown page &quot;%1&quot;</source>
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
    <message>
        <source>Page to show (dashboard, runs, run, crews, graph, analytics).</source>
        <translation>Anzuzeigende Seite (dashboard, runs, run, crews, graph, analytics).</translation>
    </message>
    <message>
        <source>Analytics date range: 24h, 7d, 30d or 90d.</source>
        <translation>Zeitraum der Auswertung: 24h, 7d, 30d oder 90d.</translation>
    </message>
    <message>
        <source>crewdeck: unknown range &quot;%1&quot;</source>
        <translation>crewdeck: unbekannter Zeitraum „%1“</translation>
    </message>
    <message>
        <source>Also trust this certificate (PEM or DER) for https:// servers, besides the system&apos;s certificate authorities (a private CA, or a self-signed server).</source>
        <translation>Diesem Zertifikat (PEM oder DER) für https://-Server zusätzlich zu den Zertifizierungsstellen des Systems vertrauen (eine eigene CA oder ein selbst signierter Server).</translation>
    </message>
    <message>
        <source>crewdeck: %1</source>
        <translation>crewdeck: %1</translation>
    </message>
    <message>
        <source>Log in, wait for live data (or, with the server unreachable, the data cached by an earlier run), save the window to FILE and exit.</source>
        <translation>Anmelden, auf Live-Daten warten (oder, wenn der Server nicht erreichbar ist, auf die von einem früheren Start zwischengespeicherten Daten), das Fenster in DATEI speichern und beenden.</translation>
    </message>
    <message>
        <source>crewdeck: the server cannot be reached and page &quot;%1&quot; needs it</source>
        <translation>crewdeck: Der Server ist nicht erreichbar, und die Seite „%1“ braucht ihn</translation>
    </message>
</context>
</TS>
