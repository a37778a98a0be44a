#include "shared/jwt.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace crewdeck;
using namespace Qt::StringLiterals;

class TestJwt : public QObject
{
    Q_OBJECT

    static QByteArray key() { return QByteArrayLiteral("a-test-key-of-some-length-0123456789"); }
    static jwt::Claims claims(qint64 iat = 1700000000, qint64 exp = 1700003600)
    {
        return jwt::Claims{u"usr_1"_s, u"org_1"_s, u"member"_s, iat, exp};
    }
    // Re-signs an arbitrary header/payload pair with the test key.
    static QByteArray forge(const QByteArray &headerJson, const QByteArray &payloadJson,
                            const QByteArray &k = key())
    {
        const QByteArray input =
            jwt::base64UrlEncode(headerJson) + '.' + jwt::base64UrlEncode(payloadJson);
        return input + '.' + jwt::base64UrlEncode(jwt::hmacSha256(k, input));
    }

private Q_SLOTS:
    // RFC 4231 test cases 1, 2 and 6 (a key longer than the block size).
    void hmacRfc4231_data()
    {
        QTest::addColumn<QByteArray>("key");
        QTest::addColumn<QByteArray>("data");
        QTest::addColumn<QByteArray>("mac");
        QTest::newRow("tc1")
            << QByteArray(20, '\x0b') << QByteArrayLiteral("Hi There")
            << QByteArrayLiteral(
                   "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
        QTest::newRow("tc2")
            << QByteArrayLiteral("Jefe") << QByteArrayLiteral("what do ya want for nothing?")
            << QByteArrayLiteral(
                   "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        QTest::newRow("tc6")
            << QByteArray(131, '\xaa')
            << QByteArrayLiteral("Test Using Larger Than Block-Size Key - Hash Key First")
            << QByteArrayLiteral(
                   "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    }
    void hmacRfc4231()
    {
        QFETCH(QByteArray, key);
        QFETCH(QByteArray, data);
        QFETCH(QByteArray, mac);
        QCOMPARE(jwt::hmacSha256(key, data).toHex(), mac);
    }

    // RFC 7515 appendix A.1: the HS256 example signature.
    void rfc7515Example()
    {
        const QByteArray header = QByteArrayLiteral("eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9");
        const QByteArray payload =
            QByteArrayLiteral("eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxl"
                              "LmNvbS9pc19yb290Ijp0cnVlfQ");
        const QByteArray k =
            *jwt::base64UrlDecode(QByteArrayLiteral("AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-"
                                                    "1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"));
        QCOMPARE(jwt::base64UrlEncode(jwt::hmacSha256(k, header + '.' + payload)),
                 QByteArrayLiteral("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"));
    }

    void constantTimeEquals()
    {
        QVERIFY(jwt::constantTimeEquals("abc", "abc"));
        QVERIFY(!jwt::constantTimeEquals("abc", "abd"));
        QVERIFY(!jwt::constantTimeEquals("abc", "abcd"));
        QVERIFY(jwt::constantTimeEquals({}, {}));
    }

    void roundTrip()
    {
        const QByteArray token = jwt::sign(claims(), key());
        const auto r = jwt::verify(token, key(), 1700000100);
        QVERIFY2(r, qPrintable(r.message));
        QCOMPARE(r.claims->sub, u"usr_1"_s);
        QCOMPARE(r.claims->org, u"org_1"_s);
        QCOMPARE(r.claims->role, u"member"_s);
        QCOMPARE(r.claims->iat, 1700000000);
        QCOMPARE(r.claims->exp, 1700003600);
    }

    void rejectsTampering()
    {
        QByteArray token = jwt::sign(claims(), key());
        // Flip the role in the payload, keep the signature.
        const QList<QByteArray> parts = token.split('.');
        QByteArray payload = *jwt::base64UrlDecode(parts[1]);
        QVERIFY(payload.contains("member"));
        payload.replace("member", "admin");
        const QByteArray tampered = parts[0] + '.' + jwt::base64UrlEncode(payload) + '.' + parts[2];
        QCOMPARE(jwt::verify(tampered, key(), 1700000100).error, jwt::Error::BadSignature);
        // Wrong key.
        QCOMPARE(jwt::verify(token, "other-key", 1700000100).error, jwt::Error::BadSignature);
        // Signature cut short.
        token.chop(3);
        QVERIFY(!jwt::verify(token, key(), 1700000100));
    }

    void rejectsOtherAlgorithms()
    {
        const QByteArray payload = QJsonDocument(QJsonObject{{u"sub"_s, u"u"_s},
                                                             {u"org"_s, u"o"_s},
                                                             {u"role"_s, u"admin"_s},
                                                             {u"iat"_s, 1700000000},
                                                             {u"exp"_s, 1700003600}})
                                       .toJson(QJsonDocument::Compact);
        // alg:none with an empty signature.
        const QByteArray none = jwt::base64UrlEncode(R"({"alg":"none","typ":"JWT"})") + '.' +
                                jwt::base64UrlEncode(payload) + '.';
        QCOMPARE(jwt::verify(none, key(), 1700000100).error, jwt::Error::BadAlgorithm);
        // alg:HS512, even when correctly "signed" with our HMAC.
        const QByteArray hs512 = forge(R"({"alg":"HS512","typ":"JWT"})", payload);
        QCOMPARE(jwt::verify(hs512, key(), 1700000100).error, jwt::Error::BadAlgorithm);
        // Missing alg.
        QCOMPARE(jwt::verify(forge(R"({"typ":"JWT"})", payload), key(), 1700000100).error,
                 jwt::Error::BadAlgorithm);
    }

    void expiryAndIssuedAt()
    {
        const QByteArray token = jwt::sign(claims(), key());
        QCOMPARE(jwt::verify(token, key(), 1700003600 + 31, 30).error, jwt::Error::Expired);
        QVERIFY(jwt::verify(token, key(), 1700003600 + 10, 30)); // within leeway
        QVERIFY(!jwt::verify(token, key(), 1700003600, 0));
        // Issued in the future beyond the leeway.
        const QByteArray future = jwt::sign(claims(1700001000, 1700004600), key());
        QCOMPARE(jwt::verify(future, key(), 1700000000, 30).error, jwt::Error::NotYetValid);
    }

    void missingClaims_data()
    {
        QTest::addColumn<QByteArray>("payload");
        QTest::newRow("no sub") << QByteArray(
            R"({"org":"o","role":"admin","iat":1,"exp":9999999999})");
        QTest::newRow("no org") << QByteArray(
            R"({"sub":"u","role":"admin","iat":1,"exp":9999999999})");
        QTest::newRow("no role") << QByteArray(R"({"sub":"u","org":"o","iat":1,"exp":9999999999})");
        QTest::newRow("bad role") << QByteArray(
            R"({"sub":"u","org":"o","role":"root","iat":1,"exp":9999999999})");
        QTest::newRow("no exp") << QByteArray(R"({"sub":"u","org":"o","role":"admin","iat":1})");
        QTest::newRow("no iat") << QByteArray(
            R"({"sub":"u","org":"o","role":"admin","exp":9999999999})");
        QTest::newRow("exp string")
            << QByteArray(R"({"sub":"u","org":"o","role":"admin","iat":1,"exp":"9999999999"})");
        QTest::newRow("sub number")
            << QByteArray(R"({"sub":1,"org":"o","role":"admin","iat":1,"exp":9999999999})");
    }
    void missingClaims()
    {
        QFETCH(QByteArray, payload);
        const auto r = jwt::verify(forge(R"({"alg":"HS256"})", payload), key(), 1700000000);
        QVERIFY(!r);
        QCOMPARE(r.error, jwt::Error::MissingClaim);
    }

    void malformed_data()
    {
        QTest::addColumn<QByteArray>("token");
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("two parts") << QByteArray("abc.def");
        QTest::newRow("four parts") << QByteArray("a.b.c.d");
        QTest::newRow("not base64") << QByteArray("!!!.???.***");
        QTest::newRow("not json") << (jwt::base64UrlEncode("nope") + '.' +
                                      jwt::base64UrlEncode("nope") + ".x");
    }
    void malformed()
    {
        QFETCH(QByteArray, token);
        QVERIFY(!jwt::verify(token, key(), 1700000000));
    }
};

QTEST_GUILESS_MAIN(TestJwt)
#include "tst_jwt.moc"
