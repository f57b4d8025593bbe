<?cs # The compact (classic) skin: small type and dense rows, for a long
     message list on one screen (skin-compact.css). ?>
<meta name="color-scheme" content="light">
<meta name="theme-color" content="#2f4f7f">
