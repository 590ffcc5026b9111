package main

import (
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/strongauth/strongauth/auth"
)

// The portal speaks Kazakh, Russian and English. The language comes from
// ?lang= (which also sets the lang cookie: the switcher's links), else the
// lang cookie, else Accept-Language. It is the language of the pages, of
// the login widget (mountFlow follows <html lang>, and sends it with the
// flow) and of every error message: withLang makes the chosen language the
// request's Accept-Language for the whole portal.

// langCookie remembers the reader's choice.
const langCookie = "lang"

// langNames is how the switcher names each language, in that language.
func langNames() [3][2]string {
	return [3][2]string{{"kk", "Қазақша"}, {"ru", "Русский"}, {"en", "English"}}
}

// langOption is one entry of the switcher.
type langOption struct {
	Code, Name string
	Current    bool
}

// validLang reports whether s is a language of the portal.
func validLang(s string) bool { return s == "kk" || s == "ru" || s == "en" }

// langOf returns the request's language and whether it came from ?lang=.
func langOf(r *http.Request) (lang string, chosen bool) {
	if q := r.URL.Query().Get("lang"); validLang(q) {
		return q, true
	}
	if c, err := r.Cookie(langCookie); err == nil && validLang(c.Value) {
		return c.Value, false
	}
	return auth.Lang(r.Header.Get("Accept-Language")), false
}

// withLang applies the reader's language to a request: a ?lang= choice is
// kept in the lang cookie, and the language becomes the request's
// Accept-Language, so that authhttp's, the QR factor's and the portal's
// messages follow it.
func (p *Portal) withLang(w http.ResponseWriter, r *http.Request) *http.Request {
	lang, chosen := langOf(r)
	if chosen {
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: int(365 * 24 * time.Hour / time.Second),
			Secure: p.secure, SameSite: http.SameSiteLaxMode})
	}
	r2 := r.Clone(r.Context())
	r2.Header.Set("Accept-Language", lang)
	return r2
}

// translator holds the portal's texts: English is the key, kk and ru the
// translations.
type translator struct{ texts map[string][2]string }

// T translates an English text into lang (English when there is no
// translation).
func (tr *translator) T(lang, en string) string {
	t, ok := tr.texts[en]
	switch {
	case !ok || lang == "en":
		return en
	case lang == "kk" && t[0] != "":
		return t[0]
	case lang == "ru" && t[1] != "":
		return t[1]
	}
	return en
}

// T translates a text of a template.
func (d pageData) T(en string) string { return d.tr.T(d.Lang, en) }

// H translates a text of a template that holds markup (trusted: every
// such text is a constant of the portal) and puts the HTML-escaped args
// in its %s places.
func (d pageData) H(en string, args ...string) template.HTML {
	s := d.tr.T(d.Lang, en)
	for _, a := range args {
		s = strings.Replace(s, "%s", template.HTMLEscapeString(a), 1)
	}
	return template.HTML(s) // a constant text of the portal, arguments escaped
}

// Langs is the switcher: every language, the current one marked.
func (d pageData) Langs() []langOption {
	names := langNames()
	out := make([]langOption, len(names))
	for i, l := range names {
		out[i] = langOption{Code: l[0], Name: l[1], Current: l[0] == d.Lang}
	}
	return out
}

// newTranslator returns the portal's texts in Kazakh and Russian.
func newTranslator() *translator {
	return &translator{texts: map[string][2]string{
		// layout
		"eGov demo portal (development)": {"eGov демо-порталы (әзірлеу)", "Демо-портал eGov (разработка)"},
		"DEVELOPMENT MODE":               {"ӘЗІРЛЕУ РЕЖИМІ", "РЕЖИМ РАЗРАБОТКИ"},
		"a demo of strongauth, not eGov: test PKI, test persons, NCALayer simulator, SMS codes printed in the server's console. Never use it with real keys or real phones.": {
			"бұл eGov емес, strongauth демонстрациясы: сынақ PKI, сынақ тұлғалар, NCALayer симуляторы, SMS кодтары сервер консоліне шығарылады. Нақты кілттермен немесе нақты телефондармен ешқашан қолданбаңыз.",
			"демонстрация strongauth, а не eGov: тестовая PKI, тестовые лица, симулятор NCALayer, SMS-коды выводятся в консоль сервера. Никогда не используйте его с настоящими ключами или телефонами."},
		"demo":            {"демо", "демо"},
		"Main":            {"Негізгі мәзір", "Главное меню"},
		"Cabinet":         {"Кабинет", "Кабинет"},
		"Security":        {"Қауіпсіздік", "Безопасность"},
		"Sign a document": {"Құжатқа қол қою", "Подписать документ"},
		"Why not SMS?":    {"Неге SMS емес?", "Почему не SMS?"},
		"Company":         {"Ұйым", "Компания"},
		"Dev panel":       {"Әзірлеуші панелі", "Панель разработчика"},
		"Log out":         {"Шығу", "Выйти"},
		"Language":        {"Тіл", "Язык"},
		"strongauth portal example · every login and sensitive action needs a strong factor: ECP, a passkey with biometrics, or a QR approval. An SMS code is only ever a second step.": {
			"strongauth портал мысалы · әр кіру мен маңызды әрекетке күшті фактор қажет: ЭЦҚ, биометриялы кіру кілті немесе QR арқылы растау. SMS коды тек екінші қадам.",
			"пример портала strongauth · для каждого входа и важного действия нужен сильный фактор: ЭЦП, ключ доступа с биометрией или подтверждение по QR. SMS-код — всегда лишь второй шаг."},
		// page titles
		"Sign in":                  {"Кіру", "Вход"},
		"Personal cabinet":         {"Жеке кабинет", "Личный кабинет"},
		"SMS alone cannot sign in": {"Тек SMS арқылы кіру мүмкін емес", "Одним SMS войти нельзя"},
		// home
		"Confirm it is you with a strong factor. The SMS code comes only after the digital signature, to the phone bound to your account.": {
			"Бұл сіз екеніңізді күшті фактормен растаңыз. SMS коды тек цифрлық қолтаңбадан кейін, есептік жазбаңызға байланған телефонға келеді.",
			"Подтвердите, что это вы, сильным фактором. SMS-код приходит только после цифровой подписи и только на телефон, привязанный к вашей учётной записи."},
		"Passkey":                {"Кіру кілті", "Ключ доступа"},
		"Choose a saved passkey": {"Сақталған кіру кілтін таңдаңыз", "Выберите сохранённый ключ доступа"},
		"Loading…":               {"Жүктелуде…", "Загрузка…"},
		"Test persons":           {"Сынақ тұлғалар", "Тестовые лица"},
		"The NCALayer simulator (<code>%s</code>) holds a test GOST-2015 key for each. Choose whose key it signs with — in the real NCALayer you would pick your key file:": {
			"NCALayer симуляторында (<code>%s</code>) әрқайсысының сынақ ГОСТ-2015 кілті бар. Кімнің кілтімен қол қоятынын таңдаңыз — нақты NCALayer-де кілт файлын өзіңіз таңдар едіңіз:",
			"Симулятор NCALayer (<code>%s</code>) хранит тестовый ключ ГОСТ-2015 для каждого. Выберите, чьим ключом он подписывает, — в настоящем NCALayer вы бы выбрали файл ключа:"},
		"Sign as":             {"Кім ретінде қол қою", "Подписать как"},
		"IIN":                 {"ЖСН", "ИИН"},
		"revoked":             {"қайтарып алынған", "отозван"},
		"Person":              {"Тұлға", "Лицо"},
		"Bound phone":         {"Байланған телефон", "Привязанный телефон"},
		"certificate revoked": {"сертификат қайтарып алынған", "сертификат отозван"},
		"First login: ECP, then the SMS code from the server console. In the cabinet you can then add a passkey, or link a phone (examples/mobile plays the app), and sign in with it next time.": {
			"Алғашқы кіру: ЭЦҚ, содан кейін сервер консоліндегі SMS коды. Кейін кабинетте кіру кілтін қосуға немесе телефонды байлауға (қолданба рөлін examples/mobile атқарады) және келесі жолы сол арқылы кіруге болады.",
			"Первый вход: ЭЦП, затем SMS-код из консоли сервера. Потом в кабинете можно добавить ключ доступа или привязать телефон (приложение играет examples/mobile) и в следующий раз входить с ним."},
		"eGov Mobile's QR code: save it as an image and let the command-line eGov Mobile sign it with a test key, e.g.": {
			"eGov Mobile QR-коды: оны сурет ретінде сақтап, командалық жолдағы eGov Mobile-ға сынақ кілтімен қол қойдырыңыз, мысалы",
			"QR-код eGov Mobile: сохраните его как изображение и дайте консольному eGov Mobile подписать его тестовым ключом, например"},
		"(DEVKEYS: the directory the portal printed at start).": {
			"(DEVKEYS: портал іске қосылғанда шығарған каталог).",
			"(DEVKEYS — каталог, который портал вывел при запуске)."},
		// cabinet
		"Name":                       {"Аты", "Имя"},
		"Signed in with":             {"Кіру тәсілі", "Вход выполнен с"},
		"Passkeys":                   {"Кіру кілттері", "Ключи доступа"},
		"Linked phones":              {"Байланған телефондар", "Привязанные телефоны"},
		"Add a passkey (biometrics)": {"Кіру кілтін қосу (биометрия)", "Добавить ключ доступа (биометрия)"},
		"Link a phone (QR sign-in)":  {"Телефонды байлау (QR арқылы кіру)", "Привязать телефон (вход по QR)"},
		"In your phone's app — here the command-line phone of <code>examples/mobile</code> — link this account (the token works once, for five minutes):": {
			"Телефоныңыздағы қолданбада — мұнда <code>examples/mobile</code> командалық жол телефоны — осы есептік жазбаны байлаңыз (токен бір рет, бес минут жұмыс істейді):",
			"В приложении на телефоне — здесь консольный телефон <code>examples/mobile</code> — привяжите эту учётную запись (токен действует один раз, пять минут):"},
		"Then sign out and choose “QR code on your phone”: save the code as an image and run <code>mobile approve -device phone.json -image CODE.png</code>, and pick the number this page shows.": {
			"Содан кейін шығып, «Телефондағы QR-код» тәсілін таңдаңыз: кодты сурет ретінде сақтап, <code>mobile approve -device phone.json -image CODE.png</code> іске қосыңыз және осы бет көрсеткен санды таңдаңыз.",
			"Затем выйдите и выберите «QR-код на телефоне»: сохраните код как изображение, запустите <code>mobile approve -device phone.json -image CODE.png</code> и выберите число, которое показывает эта страница."},
		// sign
		"Signing needs a strong factor from the last five minutes. If yours is older, you will be asked to confirm again — an SMS code is never enough.": {
			"Қол қою үшін соңғы бес минуттағы күшті фактор қажет. Егер сіздікі ескі болса, қайта растау сұралады — SMS коды ешқашан жеткіліксіз.",
			"Для подписи нужен сильный фактор не старше пяти минут. Если ваш старше, вас попросят подтвердить ещё раз — SMS-кода никогда не достаточно."},
		"Sign": {"Қол қою", "Подписать"},
		"Application for a certificate of no criminal record": {"Соттылығы жоқ екені туралы анықтамаға өтініш", "Заявление на справку об отсутствии судимости"},
		"I ask for a certificate of no criminal record to be issued in my name, for presentation at my place of work.": {
			"Жұмыс орныма ұсыну үшін менің атыма соттылығы жоқ екені туралы анықтама беруді сұраймын.",
			"Прошу выдать на моё имя справку об отсутствии судимости для предъявления по месту работы."},
		"Notice of a change of registered address": {"Тіркелген мекенжайдың өзгергені туралы хабарлама", "Уведомление о смене адреса регистрации"},
		"I notify that my registered address changes from the first day of next month.": {
			"Келесі айдың бірінші күнінен бастап тіркелген мекенжайым өзгеретінін хабарлаймын.",
			"Уведомляю, что с первого числа следующего месяца мой адрес регистрации меняется."},
		// sms-only
		"An SMS code alone cannot sign anyone in": {"Тек SMS кодымен ешкім кіре алмайды", "Одним SMS-кодом никто не войдёт"},
		"The scam: someone types your phone number into a service, the service sends you a code, and a caller posing as the bank or the police talks it out of you. Here, typing a phone number sends nothing, and a code is only a second step after ECP — so a stolen code opens nothing.": {
			"Алаяқтық былай жүреді: біреу сіздің нөміріңізді сервиске енгізеді, сервис сізге код жібереді, ал өзін банк не полиция қызметкері ретінде таныстырған адам оны сізден алдап алады. Мұнда нөмір енгізу ештеңе жібермейді, ал код тек ЭЦҚ-дан кейінгі екінші қадам — сондықтан ұрланған код ештеңе ашпайды.",
			"Схема мошенников: кто-то вводит ваш номер в сервис, сервис присылает вам код, а звонящий под видом банка или полиции выманивает его у вас. Здесь ввод номера ничего не отправляет, а код — лишь второй шаг после ЭЦП, поэтому украденный код ничего не открывает."},
		"This button asks the portal's API, as an attacker would, to start a login with SMS only:": {
			"Бұл батырма порталдың API-ынан, шабуылдаушы сияқты, тек SMS арқылы кіруді бастауды сұрайды:",
			"Эта кнопка просит API портала, как сделал бы злоумышленник, начать вход только по SMS:"},
		"Try to sign in with SMS only": {"Тек SMS арқылы кіріп көру", "Попробовать войти только по SMS"},
		// not-me
		"This was not me": {"Бұл мен емеспін", "Это был не я"},
		"You followed the link of our SMS about a change to your account. If you did not make that change — if someone asked you over the phone to add a device, to read out a code, or to approve something — press the button: the new passkey or phone is removed (or your previous number restored), every session of your account ends, and the report reaches our security team.": {
			"Сіз есептік жазбаңыздағы өзгеріс туралы SMS сілтемесі бойынша өттіңіз. Егер бұл өзгерісті сіз жасамасаңыз — біреу телефон арқылы құрылғы қосуды, кодты айтуды немесе бірдеңені растауды сұраса — батырманы басыңыз: жаңа кіру кілті не телефон жойылады (немесе бұрынғы нөміріңіз қалпына келеді), есептік жазбаңыздың барлық сеанстары аяқталады, ал хабарлама қауіпсіздік қызметімізге жетеді.",
			"Вы перешли по ссылке из нашего SMS об изменении в учётной записи. Если это изменение сделали не вы — если кто-то по телефону просил добавить устройство, продиктовать код или что-то подтвердить, — нажмите кнопку: новый ключ доступа или телефон будет удалён (или восстановлен прежний номер), все сеансы учётной записи завершатся, а сообщение получит наша служба безопасности."},
		"No one from the service will ever ask you for a code.": {"Сервис қызметкерлері сізден кодты ешқашан сұрамайды.", "Сотрудники сервиса никогда не спросят у вас код."},
		"It was not me — undo it":                               {"Бұл мен емес — болдырмау", "Это был не я — отменить"},
		// account
		"Passkeys, phones and recovery": {"Кіру кілттері, телефондар және қалпына келтіру", "Ключи доступа, телефоны и восстановление"},
		"Removing a passkey or a linked phone, or changing your phone number, asks you to confirm it is you with a strong factor — ECP, a passkey or your linked phone — never with an SMS code. Every change is announced by SMS to your number, with a link to undo it if it was not you.": {
			"Кіру кілтін не байланған телефонды жою немесе телефон нөмірін өзгерту үшін бұл сіз екеніңізді күшті фактормен — ЭЦҚ, кіру кілті немесе байланған телефон арқылы — растау керек, ешқашан SMS кодымен емес. Әр өзгеріс туралы нөміріңізге SMS келеді, ішінде — бұл сіз болмасаңыз, өзгерісті болдырмайтын сілтеме.",
			"Удаление ключа доступа или привязанного телефона, а также смена номера требуют подтверждения сильным фактором — ЭЦП, ключом доступа или привязанным телефоном, — но никогда SMS-кодом. О каждом изменении приходит SMS на ваш номер со ссылкой, чтобы отменить его, если это были не вы."},
		"Your passkeys and linked phones": {"Кіру кілттеріңіз және байланған телефондарыңыз", "Ваши ключи доступа и привязанные телефоны"},
		"Lost?":                           {"Жоғалды ма?", "Потеряно?"},
		"Kind":                            {"Түрі", "Вид"},
		"Added":                           {"Қосылған", "Добавлен"},
		"Last used":                       {"Соңғы қолданылған", "Последнее использование"},
		"Model":                           {"Үлгі", "Модель"},
		"No passkeys or linked phones yet: <a href=\"/cabinet\">add one in the cabinet</a>.": {
			"Әзірге кіру кілттері мен байланған телефондар жоқ: <a href=\"/cabinet\">кабинетте қосыңыз</a>.",
			"Пока нет ключей доступа и привязанных телефонов: <a href=\"/cabinet\">добавьте в кабинете</a>."},
		"Phone number for SMS": {"SMS үшін телефон нөмірі", "Номер телефона для SMS"},
		"Bound number:":        {"Байланған нөмір:", "Привязанный номер:"},
		"— new number, not used for SMS until <time id=\"phone-usable\"></time> (protection against SIM swaps); until then sign in with ECP, a passkey or your linked phone.": {
			"— жаңа нөмір, <time id=\"phone-usable\"></time> дейін SMS үшін қолданылмайды (SIM-карта ауыстырудан қорғау); оған дейін ЭЦҚ, кіру кілті немесе байланған телефон арқылы кіріңіз.",
			"— новый номер, не используется для SMS до <time id=\"phone-usable\"></time> (защита от перевыпуска SIM-карты); до тех пор входите с ЭЦП, ключом доступа или привязанным телефоном."},
		"New number":                    {"Жаңа нөмір", "Новый номер"},
		"Change number":                 {"Нөмірді өзгерту", "Сменить номер"},
		"Lost your phone or a passkey?": {"Телефонды не кіру кілтін жоғалттыңыз ба?", "Потеряли телефон или ключ доступа?"},
		"Tick what you lost above and confirm with your ECP key or another linked phone. Recovery never falls back to an SMS code or an e-mail link. All your sessions end, and you sign in again.": {
			"Жоғарыда жоғалтқаныңызды белгілеп, ЭЦҚ кілтімен немесе басқа байланған телефонмен растаңыз. Қалпына келтіру ешқашан SMS кодына не электрондық пошта сілтемесіне жүгінбейді. Барлық сеанстарыңыз аяқталады, сіз қайта кіресіз.",
			"Отметьте выше, что вы потеряли, и подтвердите ключом ЭЦП или другим привязанным телефоном. Восстановление никогда не сводится к SMS-коду или ссылке в письме. Все ваши сеансы завершатся, и вы войдёте заново."},
		"Remove what I lost": {"Жоғалтқанымды жою", "Удалить потерянное"},
		// company
		"Sign for the company": {"Ұйым атынан қол қою", "Подписать от имени компании"},
		"%s, BIN %s. Its contracts may be signed only with the ECP key of its first head or of an employee with the right to sign: the NCA writes the role into the key's certificate, and the server checks it on every signature. Each signing needs a fresh signature (five minutes at most); a passkey or a phone cannot say who may sign for a company.": {
			"%s, БСН %s. Ұйымның шарттарына тек оның бірінші басшысының немесе қол қою құқығы бар қызметкерінің ЭЦҚ кілтімен қол қоюға болады: ҰКО рөлді кілт сертификатына жазады, ал сервер оны әр қолтаңбада тексереді. Әр қол қоюға жаңа қолтаңба қажет (бес минуттан ескі емес); кіру кілті немесе телефон ұйым атынан кім қол қоя алатынын айта алмайды.",
			"%s, БИН %s. Договоры компании подписываются только ключом ЭЦП её первого руководителя или сотрудника с правом подписи: НУЦ записывает роль в сертификат ключа, а сервер проверяет её при каждой подписи. Для каждого подписания нужна свежая подпись (не старше пяти минут): ключ доступа или телефон не может подтвердить, кто вправе подписывать от имени компании."},
		"You":      {"Сіз", "Вы"},
		"Your key": {"Кілтіңіз", "Ваш ключ"},
		"BIN":      {"БСН", "БИН"},
		"a private person's key (no organisation)": {"жеке тұлғаның кілті (ұйымсыз)", "ключ физического лица (без организации)"},
		"first head":                      {"бірінші басшы", "первый руководитель"},
		"employee with the right to sign": {"қол қою құқығы бар қызметкер", "сотрудник с правом подписи"},
		"employee":                        {"қызметкер", "сотрудник"},
		"Supply contract No. 14/2026":     {"№ 14/2026 жеткізу шарты", "Договор поставки № 14/2026"},
		companyName + " (BIN " + companyBIN + ") buys forty laptops from a supplier, payment within thirty days of delivery.": {
			companyName + " (БСН " + companyBIN + ") жеткізушіден қырық ноутбук сатып алады, төлем жеткізілгеннен кейін отыз күн ішінде.",
			companyName + " (БИН " + companyBIN + ") покупает у поставщика сорок ноутбуков, оплата в течение тридцати дней после поставки."},
		// dev
		"Development panel": {"Әзірлеуші панелі", "Панель разработчика"},
		"Every ECP signature is checked for revocation as against the NCA: OCSP first, the CA's CRL when OCSP gives no answer. Here the OCSP responder is the portal's own, over the development PKI; what you change below takes effect at the next login or signature.": {
			"Әр ЭЦҚ қолтаңбасының қайтарып алынбағаны ҰКО-дағыдай тексеріледі: алдымен OCSP арқылы, ал OCSP жауап бермесе — куәландырушы орталықтың CRL тізімі арқылы. Мұнда OCSP респондері — порталдың өзінікі, әзірлеуге арналған PKI негізінде жұмыс істейді; төменде өзгерткеніңіз келесі кіруде немесе қол қоюда күшіне енеді.",
			"Каждая подпись ЭЦП проверяется на отзыв так же, как в НУЦ: сначала по OCSP, а если OCSP не отвечает — по CRL удостоверяющего центра. Здесь OCSP-респондер принадлежит самому порталу и работает на PKI для разработки; то, что вы измените ниже, вступит в силу при следующем входе или подписи."},
		"Certificates of the test persons": {"Сынақ тұлғалардың сертификаттары", "Сертификаты тестовых лиц"},
		"Key":                              {"Кілт", "Ключ"},
		"Certificate":                      {"Сертификат", "Сертификат"},
		"private person":                   {"жеке тұлға", "физическое лицо"},
		"OCSP responder":                   {"OCSP респондері", "OCSP-респондер"},
		"At <code id=\"dev-ocsp-url\">…</code>: <strong id=\"dev-ocsp-state\">…</strong>. CRL number <span id=\"dev-crl\">…</span>. Stop it to see the CRL answer instead (the revocation audit events say <code>source=crl</code>).": {
			"Мекенжайы <code id=\"dev-ocsp-url\">…</code>: <strong id=\"dev-ocsp-state\">…</strong>. CRL нөмірі <span id=\"dev-crl\">…</span>. Оның орнына CRL қалай жауап беретінін көру үшін оны тоқтатыңыз (қайтарып алуды тексеру аудит оқиғаларында <code>source=crl</code> болады).",
			"Адрес <code id=\"dev-ocsp-url\">…</code>: <strong id=\"dev-ocsp-state\">…</strong>. Номер CRL <span id=\"dev-crl\">…</span>. Остановите его, чтобы увидеть ответ по CRL (в событиях аудита проверки отзыва будет <code>source=crl</code>)."},
		"Clock":              {"Сағат", "Часы"},
		"The portal's time:": {"Порталдағы уақыт:", "Время портала:"},
		"Move the clock forward to see a step-up expire (a signature asks for a strong factor again after five minutes):": {
			"Қайта растаудың мерзімі қалай өтетінін көру үшін сағатты алға жылжытыңыз (бес минуттан кейін қол қою күшті факторды қайта сұрайды):",
			"Переведите часы вперёд, чтобы увидеть, как истекает подтверждение (через пять минут подпись снова требует сильного фактора):"},
		"+1 min": {"+1 мин", "+1 мин"},
		"+5 min": {"+5 мин", "+5 мин"},
		"Reset":  {"Нақты уақытқа қайтару", "Сбросить"},
		"Start the portal with <code>-dev-clock</code> to move its clock from here.": {
			"Порталдың сағатын осы жерден жылжыту үшін порталды <code>-dev-clock</code> параметрімен іске қосыңыз.",
			"Запустите портал с <code>-dev-clock</code>, чтобы переводить его часы отсюда."},
	}}
}
