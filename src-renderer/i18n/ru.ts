import type { JobState } from '../../src-shared/api';

/**
 * Every word the window shows, in one place. Components take their text from here, never from literals, so
 * the wording can be read and corrected as a whole (and another language added without a hunt).
 * Names of systems and error kinds come from src-shared: the engine and the window must use the same ones.
 */
export const ru = {
  app: {
    name: 'Прилавок',
    tagline: 'Синхронизация заказов',
  },

  nav: {
    label: 'Разделы',
    overview: 'Обзор',
  },

  engine: {
    running: 'Работает',
    paused: 'На паузе',
    offline: 'Нет связи',
    runningHint: 'Прилавок забирает новые заказы и отправляет их дальше.',
    pausedHint: 'Новые заказы ждут: синхронизация остановлена до нажатия «Продолжить».',
    pause: 'Пауза',
    resume: 'Продолжить',
    syncNow: 'Синхронизировать сейчас',
    syncStarted: 'Синхронизация запущена',
    stateLabel: 'Состояние',
    version: (v: string) => `Версия ${v}`,
    startedAt: 'Запущен',
  },

  connection: {
    lost: 'Нет связи с Прилавком. Переподключаемся…',
  },

  noAccess: {
    title: 'Нет доступа',
    text: 'Откройте ссылку с ключом доступа, которую напечатал Прилавок при запуске.',
    hint: 'Ссылка выглядит так: http://127.0.0.1:47801/?token=… — её можно найти в окне, где запущен Прилавок.',
  },

  state: {
    loading: 'Загрузка…',
    failed: 'Не удалось загрузить данные',
    retry: 'Попробовать снова',
    dismiss: 'Закрыть',
  },

  dashboard: {
    title: 'Обзор',
  },

  systems: {
    title: 'Подключения',
    notConfigured: 'Не настроено',
    ok: 'Работает',
    failing: 'Ошибка',
    waiting: 'Ещё не синхронизировалось',
    lastSync: 'Последняя синхронизация',
  },

  pollers: {
    title: 'Синхронизации',
    caption: 'Что Прилавок проверяет сам по расписанию',
    colTitle: 'Что',
    colInterval: 'Как часто',
    colLastRun: 'Последний запуск',
    colLastOk: 'Последний успех',
    colLastError: 'Последняя ошибка',
    colActions: 'Действия',
    sync: 'Синхронизировать',
    syncAria: (title: string) => `Синхронизировать: ${title}`,
    running: 'Выполняется…',
    never: 'ещё не было',
    noError: 'нет',
    nextRunPrefix: 'следующий',
    empty: 'Синхронизаций пока нет. Они появятся, когда вы подключите системы в настройках.',
  },

  queue: {
    title: 'Очередь задач',
    states: {
      queued: 'В очереди',
      running: 'Выполняются',
      retrying: 'Ждут повтора',
      attention: 'Нужно внимание',
      dead: 'Остановлены',
      done: 'Выполнено',
    } satisfies Record<JobState, string>,
    hints: {
      queued: 'ждут своей очереди',
      running: 'прямо сейчас',
      retrying: 'повторим автоматически',
      attention: 'нужно ваше решение',
      dead: 'не удалось выполнить',
      done: 'за период хранения истории',
    } satisfies Record<JobState, string>,
  },

  inbox: {
    title: 'Входящие события',
    pending: 'Ждут обработки',
    failed: 'Не обработаны',
  },

  webhooks: {
    title: 'Приём входящих запросов',
    local: 'Адрес на этом компьютере',
    public: 'Адрес из интернета',
    publicMissing: 'не настроен — внешние системы не смогут присылать события',
    notListening: 'Приём входящих запросов не запущен: порт недоступен. Проверьте настройки порта.',
  },

  secrets: {
    title: 'Хранение паролей',
  },

  errors: {
    title: 'Журнал ошибок',
    unread: (n: number) => `Непрочитанных: ${n}`,
    unreadShort: (n: number) => (n > 99 ? '99+' : String(n)),
    empty: 'Ошибок нет — всё работает',
    emptyHint: 'Если что-то пойдёт не так, запись появится здесь.',
    ackAll: 'Отметить все прочитанными',
    ack: 'Прочитано',
    ackAria: (id: number) => `Отметить запись ${id} прочитанной`,
    retry: 'Повторить',
    retryAria: (id: number) => `Повторить действие из записи ${id}`,
    retried: 'Отправлено на повтор',
    notRetried: 'Повторить не получилось: задача уже выполняется или завершена.',
    details: 'Подробности',
    noDetails: 'Технических подробностей нет.',
    order: (n: string) => `Заказ ${n}`,
    severity: {
      error: 'Ошибка',
      warning: 'Предупреждение',
    } satisfies Record<'error' | 'warning', string>,
    showingLast: (n: number) => `Показаны последние ${n} записей`,
    read: 'прочитано',
  },

  print: {
    nav: 'Печатные формы',
    title: 'Печатные формы',
    caption: 'Этикетки и накладные для заказов, переданных в курьерскую службу',
    ordersTitle: 'Заказы у курьера',
    search: 'Поиск заказа',
    searchPlaceholder: 'Номер, телефон или имя',
    selectAll: 'Выбрать все',
    clear: 'Снять выбор',
    selected: (n: number) => `Выбрано: ${n}`,
    selectOrder: (number: string) => `Выбрать заказ ${number}`,
    showingFirst: (shown: number, total: number) => `Показаны первые ${shown} из ${total} — уточните поиск`,
    noOrders: 'Заказов у курьера пока нет',
    noOrdersHint: 'Здесь появятся заказы, которые Прилавок передал в MeaSoft.',
    nothingFound: 'Ничего не найдено',
    nothingFoundHint: 'Проверьте номер, телефон или имя.',
    formLabel: 'Форма',
    formPage: (w: number, h: number) => `${w}×${h} мм`,
    previewTitle: 'Предпросмотр',
    previewFrame: 'Предпросмотр печатной формы',
    chooseOrders: 'Выберите заказы слева',
    chooseOrdersHint: 'Предпросмотр покажет форму точно так, как она будет напечатана.',
    rendering: 'Готовим предпросмотр…',
    print: 'Печать',
    printHint: 'Принтер выбирается в окне печати.',
    printOpened: 'Открыто окно печати',
    pdf: 'Скачать PDF',
    pdfSaved: (name: string) => `Файл ${name} сохранён в загрузки`,
    refresh: 'Обновить',
    sourceMeasoft: 'Форма курьерской службы (MeaSoft)',
    sourcePrilavok: 'Форма Прилавка',
    skippedTitle: (n: number) => (n === 1 ? 'Один заказ не попадёт в печать' : `Не попадут в печать: ${n}`),
    skippedOrder: (number: string | null, id: number) => (number ? `№ ${number}` : `Заказ #${id}`),
    pages: (n: number) => `Заказов в форме: ${n}`,
  },

  errorLog: {
    nav: 'Журнал ошибок',
    navBadge: (n: number) => `непрочитанных ошибок: ${n}`,
    title: 'Журнал ошибок',
    caption: 'Что пошло не так, по порядку — новые сверху',
    filters: 'Фильтры журнала',
    unreadOnly: 'Только непрочитанные',
    system: 'Система',
    allSystems: 'Все системы',
    exportCsv: 'Скачать CSV',
    exported: (n: number) => `Выгружено записей: ${n}`,
    loadMore: 'Показать ещё',
    openOrder: (n: string) => `Заказ ${n}`,
    openOrderAria: (n: string) => `Открыть заказ ${n} в очереди`,
    emptyFiltered: 'Под фильтр ничего не попало',
    emptyFilteredHint: 'Снимите фильтры, чтобы увидеть весь журнал.',
    shown: (n: number) => `Показано записей: ${n}`,
    csv: {
      at: 'Дата и время',
      severity: 'Важность',
      system: 'Система',
      kind: 'Тип',
      order: 'Заказ',
      message: 'Сообщение',
      detail: 'Подробности',
      acknowledged: 'Прочитано',
      yes: 'да',
      no: 'нет',
      filename: (date: string) => `prilavok-oshibki-${date}.csv`,
    },
  },

  time: {
    justNow: 'только что',
    /** How often, in the merchant's words: «раз в 5 мин». */
    everySeconds: (n: number) => (n === 1 ? 'каждую секунду' : `раз в ${n} с`),
    everyMinutes: (n: number) => (n === 1 ? 'раз в минуту' : `раз в ${n} мин`),
    everyHours: (n: number) => (n === 1 ? 'раз в час' : `раз в ${n} ч`),
    everyDays: (n: number) => (n === 1 ? 'раз в сутки' : `раз в ${n} дн.`),
  },
} as const;

export type Dictionary = typeof ru;
