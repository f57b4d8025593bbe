<?cs # What a skin adds to the head of every webmail page. A skin's own
     skin.cs (templates/skins/<name>/skin.cs) is found before this one. ?>
<meta name="color-scheme" content="light">
