// The portal's texts in Kazakh and Russian, keyed by the English text. The
// page's language is <html lang>, which the server sets from ?lang=, the
// lang cookie or Accept-Language; the login widget follows it too.
import { langOf } from "/auth/client.js";

export const lang = langOf(document.documentElement.lang) || "en";

const texts = {
  "Confirm it is you to link a phone": ["Телефонды байлау үшін бұл сіз екеніңізді растаңыз", "Подтвердите, что это вы, чтобы привязать телефон"],
  "Confirm it is you to add a passkey": ["Кіру кілтін қосу үшін бұл сіз екеніңізді растаңыз", "Подтвердите, что это вы, чтобы добавить ключ доступа"],
  "Passkey added. Next time, sign in with it.": ["Кіру кілті қосылды. Келесі жолы сол арқылы кіріңіз.", "Ключ доступа добавлен. В следующий раз входите с ним."],
  "Confirm it is you to sign": ["Қол қою үшін бұл сіз екеніңізді растаңыз", "Подтвердите, что это вы, чтобы подписать"],
  "Signed": ["Қол қойылды", "Подписано"],
  "“{title}” signed by {name} (IIN {iin}) at {time}, confirmed with {factors}.": [
    "«{title}» құжатына {name} (ЖСН {iin}) {time} қол қойды, растау: {factors}.",
    "«{title}» подписан: {name} (ИИН {iin}), {time}, подтверждено: {factors}."],
  "Started a login. The server offers: {offer} — no SMS.": ["Кіру басталды. Сервер ұсынады: {offer} — SMS жоқ.", "Вход начат. Сервер предлагает: {offer} — SMS нет."],
  "Begin SMS: accepted?!": ["SMS бастау: қабылданды?!", "Начать SMS: принято?!"],
  "Ask for an SMS code: refused, {status} {code} — “{message}” Nothing was sent.": [
    "SMS кодын сұрау: бас тартылды, {status} {code} — «{message}» Ештеңе жіберілмеді.",
    "Запросить SMS-код: отказ, {status} {code} — «{message}» Ничего не отправлено."],
  "Finish with a code: accepted?!": ["Кодпен аяқтау: қабылданды?!", "Завершить кодом: принято?!"],
  "Finish with a guessed or stolen code: refused, {status} {code} — “{message}”": [
    "Болжанған не ұрланған кодпен аяқтау: бас тартылды, {status} {code} — «{message}»",
    "Завершить угаданным или украденным кодом: отказ, {status} {code} — «{message}»"],
  "I lost this": ["Мұны жоғалттым", "Я это потерял"],
  "Name": ["Аты", "Имя"],
  "Passkey": ["Кіру кілті", "Ключ доступа"],
  "Phone": ["Телефон", "Телефон"],
  "passkey": ["кіру кілті", "ключ доступа"],
  " (synced)": [" (синхрондалған)", " (синхронизируемый)"],
  "linked phone": ["байланған телефон", "привязанный телефон"],
  "Save name": ["Атауын сақтау", "Сохранить имя"],
  "Renamed.": ["Атауы өзгертілді.", "Переименовано."],
  "Remove": ["Жою", "Удалить"],
  "Confirm it is you to remove it": ["Жою үшін бұл сіз екеніңізді растаңыз", "Подтвердите, что это вы, чтобы удалить"],
  "Removed. An SMS tells you so.": ["Жойылды. Бұл туралы SMS келеді.", "Удалено. Об этом придёт SMS."],
  "none": ["жоқ", "нет"],
  "never": ["ешқашан", "никогда"],
  "Confirm it is you to change the number": ["Нөмірді өзгерту үшін бұл сіз екеніңізді растаңыз", "Подтвердите, что это вы, чтобы сменить номер"],
  "Number changed to {phone}; it serves SMS from {time}.": ["Нөмір {phone} болып өзгерді; ол SMS-ті {time} бастап алады.", "Номер изменён на {phone}; SMS на него — с {time}."],
  "Tick what you lost first.": ["Алдымен жоғалтқаныңызды белгілеңіз.", "Сначала отметьте, что вы потеряли."],
  "Recovery: confirm with ECP or another linked phone": ["Қалпына келтіру: ЭЦҚ немесе басқа байланған телефонмен растаңыз", "Восстановление: подтвердите ЭЦП или другим привязанным телефоном"],
  "Removed {n}. Your sessions have ended: sign in again.": ["Жойылды: {n}. Сеанстарыңыз аяқталды: қайта кіріңіз.", "Удалено: {n}. Ваши сеансы завершены: войдите снова."],
  "This link is incomplete.": ["Бұл сілтеме толық емес.", "Эта ссылка неполная."],
  "The new passkey or phone was removed. ": ["Жаңа кіру кілті не телефон жойылды. ", "Новый ключ доступа или телефон удалён. "],
  "Your previous number is bound again. ": ["Бұрынғы нөміріңіз қайта байланды. ", "Ваш прежний номер снова привязан. "],
  "Every session of your account has ended. Sign in again with your ECP key.": [
    "Есептік жазбаңыздың барлық сеанстары аяқталды. ЭЦҚ кілтіңізбен қайта кіріңіз.",
    "Все сеансы вашей учётной записи завершены. Войдите снова с ключом ЭЦП."],
  "Sign the contract with your ECP key": ["Шартқа ЭЦҚ кілтіңізбен қол қойыңыз", "Подпишите договор ключом ЭЦП"],
  "Signed for the company": ["Ұйым атынан қол қойылды", "Подписано от имени компании"],
  "“{title}” signed for {company} (BIN {bin}) by {name} ({role}) at {time}.": [
    "«{title}» шартына {company} (БСН {bin}) атынан {name} ({role}) {time} қол қойды.",
    "«{title}» подписан от имени {company} (БИН {bin}): {name} ({role}), {time}."],
  "first head": ["бірінші басшы", "первый руководитель"],
  "employee with the right to sign": ["қол қою құқығы бар қызметкер", "сотрудник с правом подписи"],
  "Not signed": ["Қол қойылмады", "Не подписано"],
  "revoked": ["қайтарып алынған", "отозван"],
  "valid": ["жарамды", "действителен"],
  "Reinstate": ["Қалпына келтіру", "Восстановить"],
  "Revoke": ["Қайтарып алу", "Отозвать"],
  "answering": ["жауап беріп тұр", "отвечает"],
  "stopped": ["тоқтатылған", "остановлен"],
  "Stop the OCSP responder": ["OCSP респондерін тоқтату", "Остановить OCSP-респондер"],
  "Start the OCSP responder": ["OCSP респондерін іске қосу", "Запустить OCSP-респондер"],
  "(+{n} min)": ["(+{n} мин)", "(+{n} мин)"],
};

/** tr translates an English text of the portal and fills its {names}. */
export function tr(en, values) {
  const t = texts[en];
  let s = en;
  if (t && lang === "kk") s = t[0];
  if (t && lang === "ru") s = t[1];
  return values ? s.replace(/\{(\w+)\}/g, (m, k) => (k in values ? String(values[k]) : m)) : s;
}

/** when formats a time in the page's language. */
export function when(t) { return new Date(t).toLocaleString(lang === "kk" ? "kk-KZ" : lang === "ru" ? "ru-RU" : "en-GB"); }
