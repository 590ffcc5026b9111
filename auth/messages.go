package auth

import "strings"

// Client-safe messages per error code, in Kazakh, Russian and English.
// They say what the user can do; they never carry operator detail.
var messages = map[string][3]string{ // kk, ru, en
	"flow_not_found":           {"Кіру сеансы табылмады. Қайтадан бастаңыз.", "Сеанс входа не найден. Начните заново.", "Sign-in session not found. Please start again."},
	"flow_expired":             {"Кіру сеансының уақыты бітті. Қайтадан бастаңыз.", "Время сеанса входа истекло. Начните заново.", "The sign-in session has expired. Please start again."},
	"flow_completed":           {"Бұл кіру сеансы аяқталған.", "Этот сеанс входа уже завершён.", "This sign-in session is already complete."},
	"flow_cancelled":           {"Кіру сеансы тоқтатылды.", "Сеанс входа отменён.", "The sign-in session was cancelled."},
	"binding_mismatch":         {"Бұл сеанс басқа браузерде басталған.", "Этот сеанс начат в другом браузере.", "This session was started in another browser."},
	"unknown_action":           {"Белгісіз әрекет.", "Неизвестное действие.", "Unknown action."},
	"unknown_factor":           {"Бұл растау тәсілі қолжетімсіз.", "Этот способ подтверждения недоступен.", "This verification method is not available."},
	"invalid_input":            {"Сұраным дұрыс емес.", "Некорректный запрос.", "The request is not valid."},
	"factor_not_allowed":       {"Алдымен ЭЦҚ, биометрия немесе QR арқылы растаңыз.", "Сначала подтвердите вход через ЭЦП, биометрию или QR.", "First confirm with a digital signature, biometrics or a QR code."},
	"factor_not_begun":         {"Растауды қайтадан бастаңыз.", "Начните подтверждение заново.", "Please start the verification again."},
	"factor_already_completed": {"Бұл растау орындалған.", "Это подтверждение уже выполнено.", "This verification is already done."},
	"subject_mismatch":         {"Растау басқа пайдаланушыға тиесілі.", "Подтверждение относится к другому пользователю.", "The verification belongs to another user."},
	"subject_unknown":          {"Алдымен кім екеніңізді растаңыз.", "Сначала подтвердите, кто вы.", "First confirm who you are."},
	"not_allowed":              {"Қосымша растау қажет.", "Требуется дополнительное подтверждение.", "Further verification is required."},
	"verification_failed":      {"Растау сәтсіз аяқталды.", "Подтверждение не прошло.", "Verification failed."},
	"expired":                  {"Уақыты бітті. Қайтадан сұраңыз.", "Срок действия истёк. Запросите заново.", "It has expired. Please request a new one."},
	"replayed":                 {"Бұл растау қолданылған.", "Это подтверждение уже использовано.", "This confirmation has already been used."},
	"rate_limited":             {"Тым көп сұраным. Кейінірек қайталаңыз.", "Слишком много запросов. Повторите позже.", "Too many requests. Please try again later."},
	"locked":                   {"Тым көп сәтсіз әрекет. Кейінірек қайталаңыз.", "Слишком много неудачных попыток. Повторите позже.", "Too many failed attempts. Please try again later."},
	"revoked":                  {"Сертификат кері қайтарылған.", "Сертификат отозван.", "The certificate has been revoked."},
	"fraud_reported":           {"Сұраным тоқтатылды: сіз оны бастамағаныңызды хабарладыңыз.", "Запрос отменён: вы сообщили, что не начинали его.", "The request was stopped: you reported that you did not start it."},
	"unavailable":              {"Қызмет уақытша қолжетімсіз.", "Сервис временно недоступен.", "The service is temporarily unavailable."},
	"csrf":                     {"Бетті жаңартып, қайталаңыз.", "Обновите страницу и повторите.", "Please reload the page and try again."},
	"origin":                   {"Сұраным басқа сайттан келді.", "Запрос пришёл с другого сайта.", "The request came from another site."},
	"content_type":             {"Сұраным пішімі дұрыс емес.", "Неверный формат запроса.", "Wrong request format."},
	"too_large":                {"Сұраным тым үлкен.", "Слишком большой запрос.", "The request is too large."},
	"binding_missing":          {"Cookie файлдарын қосып, қайтадан бастаңыз.", "Включите cookie и начните заново.", "Please enable cookies and start again."},
	"step_up_required":         {"Бұл әрекет үшін ЭЦҚ, биометрия немесе QR арқылы қайта растаңыз.", "Для этого действия подтвердите ещё раз через ЭЦП, биометрию или QR.", "For this action, confirm again with a digital signature, biometrics or a QR code."},
	// Passkey refusals (factors/passkey): a genuine passkey this service or action does not accept.
	"credential_not_allowed":    {"Бұл кіру кілті мұнда қабылданбайды. Басқа тәсілмен растаңыз.", "Этот ключ доступа здесь не принимается. Подтвердите другим способом.", "This passkey is not accepted here. Please confirm another way."},
	"passkey_synced":            {"Бұл әрекет үшін тек осы құрылғыда сақталған (синхрондалмайтын) кілт, қауіпсіздік кілті, ЭЦҚ немесе QR жарайды.", "Для этого действия подходит только ключ, хранящийся на самом устройстве (не синхронизируемый), ключ безопасности, ЭЦП или QR.", "This action needs a passkey kept on the device itself (not synced), a security key, a digital signature or a QR code."},
	"passkey_backup_changed":    {"Кіру кілтіңіздің синхрондау параметрі тіркелгеннен кейін өзгерген. Басқа тәсілмен кіріп, кілтті қайта қосыңыз.", "Настройка синхронизации вашего ключа доступа изменилась после его добавления. Войдите другим способом и добавьте ключ заново.", "Your passkey's sync setting changed after it was added. Sign in another way and add the passkey again."},
	"authenticator_not_allowed": {"Бұл құрылғы үлгісі осы әрекет үшін қабылданбайды. Рұқсат етілген қауіпсіздік кілтін, ЭЦҚ немесе QR пайдаланыңыз.", "Эта модель устройства не принимается для этого действия. Используйте разрешённый ключ безопасности, ЭЦП или QR.", "This authenticator model is not accepted for this action. Use an approved security key, a digital signature or a QR code."},
	"signer_not_allowed":        {"Бұл ЭЦҚ кілті осы әрекетке құқық бермейді: мысалы, ұйым атынан тек бірінші басшы немесе қол қою құқығы бар қызметкер ғана қол қоя алады.", "Этот ключ ЭЦП не даёт права на это действие: например, за организацию подписывают только первый руководитель или сотрудник с правом подписи.", "This digital signature key does not give the right to this action: for example, only the first head or an employee with the right to sign may sign for an organisation."},
	"not_found":                 {"Мұндай мекенжай жоқ.", "Такого адреса нет.", "No such address."},
	"internal":                  {"Ішкі қате.", "Внутренняя ошибка.", "Internal error."},
}

// ClientMessage returns a message for err that is safe to show to the user,
// in the language best matching lang (an Accept-Language value or a tag such
// as "kk", "ru", "en"; English by default). It depends only on Code(err).
func ClientMessage(err error, lang string) string {
	return MessageForCode(Code(err), lang)
}

// MessageForCode is ClientMessage for a code already known.
func MessageForCode(code, lang string) string {
	m, ok := messages[code]
	if !ok {
		m = messages["internal"]
	}
	return m[langIndex(lang)]
}

// langIndex picks kk (0), ru (1) or en (2) from an Accept-Language value,
// honouring its order but not its q-values (browsers list in preference
// order).
func langIndex(accept string) int {
	for part := range strings.SplitSeq(accept, ",") {
		tag := strings.ToLower(strings.TrimSpace(part))
		if i := strings.IndexAny(tag, ";-_"); i >= 0 {
			tag = tag[:i]
		}
		switch tag {
		case "kk", "kz":
			return 0
		case "ru":
			return 1
		case "en":
			return 2
		}
	}
	return 2
}

// Lang returns "kk", "ru" or "en": the supported language that best matches
// an Accept-Language value.
func Lang(accept string) string {
	return [3]string{"kk", "ru", "en"}[langIndex(accept)]
}

// ValidLang reports whether lang is a language a flow may run in: "kk",
// "ru", "en", or "" for none.
func ValidLang(lang string) bool {
	switch lang {
	case "", "kk", "ru", "en":
		return true
	}
	return false
}
