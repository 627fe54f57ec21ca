/*
 * i18n: marks the strings people read, for translation. A placeholder:
 * every string is shown as written.
 */
#ifndef V6W_I18N_H
#define V6W_I18N_H

#define _(s)  (s)
#define N_(s) (s)

#endif
