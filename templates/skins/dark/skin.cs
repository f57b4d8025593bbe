<?cs # The dark skin: dark colours (skin-dark.css); the browser's own
     controls and scroll bars follow. ?>
<meta name="color-scheme" content="dark">
<meta name="theme-color" content="#0f1218">
