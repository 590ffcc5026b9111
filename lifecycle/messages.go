package lifecycle

// Message returns the client message of one of the package's error codes
// in lang ("kk", "ru", anything else English), or "" for a code that is
// not the package's.
func Message(code, lang string) string {
	var m [3]string // en, ru, kk
	switch code {
	case "step_up_required":
		m = [3]string{"Confirm it is you with your ECP key, passkey or phone first.",
			"Сначала подтвердите, что это вы: ЭЦП, ключом входа или телефоном.",
			"Алдымен бұл сіз екеніңізді растаңыз: ЭЦҚ, кіру кілті немесе телефон арқылы."}
	case "credential_not_found":
		m = [3]string{"No such credential.", "Такого ключа нет.", "Мұндай кілт жоқ."}
	case "last_strong_credential":
		m = [3]string{"This is your last way to sign in securely; add another one before removing it.",
			"Это ваш последний надёжный способ входа: сначала добавьте другой.",
			"Бұл кірудің соңғы сенімді тәсілі: алдымен басқасын қосыңыз."}
	case "busy":
		m = [3]string{"Another change is under way; try again.", "Выполняется другое изменение; повторите.", "Басқа өзгеріс жүріп жатыр; қайталаңыз."}
	case "report_token_invalid":
		m = [3]string{"This link was used already or has expired.", "Эта ссылка уже использована или устарела.", "Бұл сілтеме қолданылған немесе ескірген."}
	case "phone_quarantine":
		m = [3]string{"The new phone number is not trusted for SMS yet.", "Новому номеру ещё нельзя отправлять SMS.", "Жаңа нөмірге әзірге SMS жіберілмейді."}
	case "phone_risk":
		m = [3]string{"The operator reports a recent SIM change for this number.", "Оператор сообщает о недавней замене SIM-карты.", "Оператор SIM-картаның жақында ауыстырылғанын хабарлайды."}
	case "same_phone":
		m = [3]string{"This number is already bound.", "Этот номер уже привязан.", "Бұл нөмір байланыстырылған."}
	case "no_phone":
		m = [3]string{"No phone number is bound.", "Номер телефона не привязан.", "Телефон нөмірі байланыстырылмаған."}
	case "not_supported":
		m = [3]string{"Not supported.", "Не поддерживается.", "Қолдау көрсетілмейді."}
	case "flows_ended":
		m = [3]string{"Your sessions were ended; sign in again.", "Ваши сеансы завершены; войдите снова.", "Сеанстарыңыз аяқталды; қайта кіріңіз."}
	case "recovery_required":
		m = [3]string{"Recovery needs your ECP key or a linked phone.", "Для восстановления нужна ЭЦП или привязанный телефон.", "Қалпына келтіру үшін ЭЦҚ немесе байланыстырылған телефон қажет."}
	default:
		return ""
	}
	switch lang {
	case "ru":
		return m[1]
	case "kk":
		return m[2]
	}
	return m[0]
}
