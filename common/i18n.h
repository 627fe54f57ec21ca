/*
 * i18n: marks the strings people read, for translation. A placeholder:
 * every string is shown as written.
 */
#ifndef V6W_I18N_H
#define V6W_I18N_H

/* A string to show, translated. */
#define _(s) (s)

/* A string to translate where it is used (tables), shown with _(). */
#define N_(s) (s)

#endif
