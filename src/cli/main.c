#include "snig.h"
#include <stdio.h>
int main(void) { puts(SNIG_VERSION); return 0; }
